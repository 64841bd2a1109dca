"""An order as the shop reports it (R10.2): state, payment, logistics, an exception if any, and the
customer's identities (phone, e-mail, channel user ids) that decide who may hear about it (R8.2)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from inquiry_desk.channels.identity import EMAIL, PHONE, normalize_email, normalize_phone
from inquiry_desk.model import Identity, as_utc, utc_now

ORDER_NUMBER_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_\-]{0,63}$"


class OrderState(StrEnum):
    """001 §4: received, reviewed, carrier assigned, packed, shipped, completed (and cancelled)."""

    RECEIVED = "received"
    REVIEWED = "reviewed"
    CARRIER_ASSIGNED = "carrier_assigned"
    PACKED = "packed"
    SHIPPED = "shipped"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


class PaymentStatus(StrEnum):
    PENDING = "pending"
    PAID = "paid"
    FAILED = "failed"
    REFUNDING = "refunding"
    REFUNDED = "refunded"


class ExceptionKind(StrEnum):
    """The exceptions that open an urgent inquiry (R10.2)."""

    PAYMENT_FAILED = "payment_failed"
    OUT_OF_STOCK = "out_of_stock"
    LOGISTICS = "logistics"
    CANCELLED_REFUND = "cancelled_refund"


class OrderItem(BaseModel):
    model_config = ConfigDict(frozen=True)

    name: str = Field(min_length=1, max_length=200)
    sku: str | None = Field(default=None, max_length=64)
    quantity: int = Field(default=1, ge=1, le=100_000)


class TrackingEvent(BaseModel):
    model_config = ConfigDict(frozen=True)

    at: datetime
    description: str = Field(min_length=1, max_length=500)
    location: str | None = Field(default=None, max_length=200)

    @field_validator("at")
    @classmethod
    def _aware(cls, value: datetime) -> datetime:
        return as_utc(value)


class Logistics(BaseModel):
    model_config = ConfigDict(frozen=True)

    carrier: str | None = Field(default=None, max_length=100)
    tracking_number: str | None = Field(default=None, max_length=64)
    events: list[TrackingEvent] = Field(default_factory=list, max_length=50)

    @property
    def latest(self) -> TrackingEvent | None:
        return max(self.events, key=lambda e: e.at) if self.events else None


class OrderException(BaseModel):
    model_config = ConfigDict(frozen=True)

    kind: ExceptionKind
    detail: str | None = Field(default=None, max_length=1_000)


class Order(BaseModel):
    """One order. Phone numbers are stored in E.164 and e-mails lower-cased, so they compare with
    the identities the channels vouch for; a national phone number needs the default country code
    in the validation context (``{"country_code": "86"}``)."""

    order_number: str = Field(pattern=ORDER_NUMBER_PATTERN)
    status: OrderState = OrderState.RECEIVED
    phone: str | None = Field(default=None, max_length=40)
    email: str | None = Field(default=None, max_length=320)
    channel_ids: list[Identity] = Field(default_factory=list, max_length=20, description="e.g. wechat_openid")
    customer_name: str | None = Field(default=None, max_length=200)
    address: str | None = Field(default=None, max_length=500)
    items: list[OrderItem] = Field(default_factory=list, max_length=200)
    payment_status: PaymentStatus = PaymentStatus.PENDING
    logistics: Logistics | None = None
    exception: OrderException | None = None
    placed_at: datetime = Field(default_factory=utc_now)
    updated_at: datetime | None = None

    @field_validator("channel_ids")
    @classmethod
    def _ids(cls, value: list[Identity]) -> list[Identity]:
        for ident in value:
            if not (1 <= len(ident.kind) <= 40 and 1 <= len(ident.value) <= 256):
                raise ValueError("a channel id needs a kind (up to 40 characters) and a value (up to 256)")
        return value

    @field_validator("phone")
    @classmethod
    def _phone(cls, value: str | None, info: ValidationInfo) -> str | None:
        if not value:
            return None
        context = info.context if isinstance(info.context, dict) else {}
        return normalize_phone(value, context.get("country_code"))

    @field_validator("email")
    @classmethod
    def _email(cls, value: str | None) -> str | None:
        return normalize_email(value) if value else None

    @field_validator("placed_at", "updated_at")
    @classmethod
    def _aware(cls, value: datetime | None) -> datetime | None:
        return None if value is None else as_utc(value)

    def identities(self) -> list[Identity]:
        """Every identity that names this order's customer (phone, e-mail, channel user ids)."""
        found = [Identity(kind=PHONE, value=self.phone)] if self.phone else []
        found += [Identity(kind=EMAIL, value=self.email)] if self.email else []
        return [*found, *(i for i in self.channel_ids if i.key not in {f.key for f in found})]


class OrderRecord(BaseModel):
    """An order as the shop sends it (``PUT /api/orders/{order_number}``, one CSV row): the order
    number comes from the path (or its column); phone numbers may be national (the desk's default
    country code is assumed)."""

    model_config = ConfigDict(extra="forbid")

    status: OrderState = OrderState.RECEIVED
    phone: str | None = Field(default=None, max_length=40, description="E.164, or national with the default code")
    email: str | None = Field(default=None, max_length=320)
    channel_ids: list[Identity] = Field(
        default_factory=list,
        max_length=20,
        description="the customer's channel ids (chat_customer, wechat_openid...)",
    )
    customer_name: str | None = Field(default=None, max_length=200)
    address: str | None = Field(default=None, max_length=500)
    items: list[OrderItem] = Field(default_factory=list, max_length=200)
    payment_status: PaymentStatus = PaymentStatus.PENDING
    logistics: Logistics | None = None
    exception: OrderException | None = None
    placed_at: datetime | None = None

    def to_order(self, order_number: str, country_code: str | None) -> Order:
        """The stored order; ValueError (pydantic's) names the field that is wrong."""
        body = self.model_dump(exclude_none=True)
        return Order.model_validate({**body, "order_number": order_number}, context={"country_code": country_code})
