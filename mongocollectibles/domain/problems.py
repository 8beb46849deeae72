"""Many problems at once: an edit (a distance matrix, an import file) is checked whole, and
every problem is reported with where it is, before anything is saved."""

from __future__ import annotations

from dataclasses import dataclass

from mongocollectibles.domain.errors import DomainError


@dataclass(frozen=True)
class Problem:
    where: str  # e.g. "distances.wh-north.store-c" or "collectibles[2].size"
    message: str

    def __str__(self) -> str:
        return f"{self.where}: {self.message}" if self.where else self.message


class ProblemsFound(DomainError):
    """The edit breaks rules; nothing was saved. `problems` lists each one with its place."""

    status_code = 422

    def __init__(self, problems: list[Problem], summary: str = "Nothing was saved.") -> None:
        self.problems = list(problems)
        lines = "; ".join(str(p) for p in self.problems)
        super().__init__(f"{summary} {len(self.problems)} problem(s): {lines}")
