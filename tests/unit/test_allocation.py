from mongocollectibles.domain.allocation import Candidate, choose_unit


def test_nearest_warehouse_wins():
    chosen = choose_unit([Candidate("u1", "wh-b", 5), Candidate("u2", "wh-a", 2)])
    assert chosen == Candidate("u2", "wh-a", 2)


def test_ties_break_by_warehouse_then_unit():
    candidates = [
        Candidate("u9", "wh-b", 3),
        Candidate("u5", "wh-a", 3),
        Candidate("u2", "wh-a", 3),
    ]
    assert choose_unit(candidates).unit_id == "u2"
    assert choose_unit(reversed(candidates)).unit_id == "u2"


def test_nothing_free():
    assert choose_unit([]) is None
