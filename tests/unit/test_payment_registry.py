"""Payment providers chosen by name. The PayMongo client it builds is exercised over real HTTP
against the sandbox in tests/integration/test_paymongo_sandbox.py."""

from __future__ import annotations

import pytest

from mongocollectibles.payments import PaymentGateway, PayMongoClient
from mongocollectibles.payments.registry import (
    GatewayRegistry,
    UnknownProvider,
    aclose_gateway,
    create_gateway,
    providers,
)
from tests.support.fakes import FakeGateway


@pytest.mark.asyncio
async def test_paymongo_is_registered_and_takes_its_configuration():
    assert "paymongo" in providers()
    gateway = create_gateway(
        "paymongo", secret_key="sk_test_x", base_url="http://127.0.0.1:9/", timeout=3.0
    )
    try:
        assert isinstance(gateway, PayMongoClient) and isinstance(gateway, PaymentGateway)
    finally:
        await aclose_gateway(gateway)


def test_paymongo_without_a_secret_key_is_refused():
    with pytest.raises(ValueError, match="secret_key is required"):
        create_gateway("paymongo", secret_key="")
    with pytest.raises(TypeError):
        create_gateway("paymongo", secret_key="sk_test_x", colour="blue")


def test_unknown_provider_names_the_known_ones():
    with pytest.raises(UnknownProvider, match=r"'stripe' \(registered: .*paymongo"):
        create_gateway("stripe")


@pytest.mark.asyncio
async def test_a_registered_factory_builds_each_gateway_with_its_config():
    registry = GatewayRegistry()
    built: list[dict] = []

    def fake(**config: object) -> FakeGateway:
        built.append(config)
        return FakeGateway()

    registry.register("fake", fake)
    first, second = registry.create("fake", region="ph"), registry.create("fake")
    assert first is not second and isinstance(first, FakeGateway)
    assert built == [{"region": "ph"}, {}]
    assert registry.names() == ("fake",)
    await aclose_gateway(first)  # a gateway with nothing to close is fine


@pytest.mark.asyncio
async def test_a_taken_name_needs_replace():
    registry = GatewayRegistry()
    registry.register("fake", FakeGateway)
    with pytest.raises(ValueError, match="already registered"):
        registry.register("fake", PayMongoClient)
    assert isinstance(registry.create("fake"), FakeGateway)
    registry.register("fake", PayMongoClient, replace=True)
    replaced = registry.create("fake", secret_key="sk_test_x")
    assert isinstance(replaced, PayMongoClient)
    await aclose_gateway(replaced)


@pytest.mark.parametrize("name", ["", " ", " paymongo", None])
def test_provider_names_must_be_plain(name):
    with pytest.raises(ValueError):
        GatewayRegistry().register(name, FakeGateway)


def test_factory_must_be_callable():
    with pytest.raises(TypeError):
        GatewayRegistry().register("x", "not a factory")


def test_registries_are_separate():
    GatewayRegistry().register("only-here", FakeGateway)
    assert "only-here" not in providers()
