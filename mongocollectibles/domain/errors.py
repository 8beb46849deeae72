"""Domain errors. Each carries the HTTP status an API should answer with."""

from __future__ import annotations


class DomainError(Exception):
    status_code = 400

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvalidInput(DomainError):
    """The request is malformed or breaks a rule (bad duration, bad phone, ...)."""

    status_code = 422

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class NotFound(DomainError):
    status_code = 404


class OutOfStock(DomainError):
    status_code = 409


class Conflict(DomainError):
    status_code = 409


class NetworkInvalid(DomainError):
    """Stores/warehouses/distances do not form a usable network."""

    status_code = 422


class TooManyRequests(DomainError):
    """A limit on checkouts or unpaid holds is reached; `retry_after` is in seconds."""

    status_code = 429

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = max(1, int(retry_after))


class PaymentProviderError(DomainError):
    """PayMongo is down, slow or refused the request."""

    status_code = 502
