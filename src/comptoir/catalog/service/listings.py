"""Which variants are offered on which sales channel."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session

from comptoir.catalog.models import ChannelListing, Variant
from comptoir.catalog.service.products import get_product
from comptoir.channels import service as channels


def list_on_channel(
    session: Session,
    channel_id: uuid.UUID,
    product_id: uuid.UUID,
    *,
    variant_ids: list[uuid.UUID] | None = None,
    is_published: bool = True,
) -> list[ChannelListing]:
    """Offer a product's variants (all of them by default) on a channel, or withdraw them
    (``is_published=False``). Idempotent. Raises :class:`ProductNotFound`,
    :class:`ChannelNotFound`, :class:`VariantNotFound` (``variant_ids``) for a variant of
    another product."""
    channels.get_channel(session, channel_id)
    product = get_product(session, product_id)
    own = {v.id: v for v in product.variants}
    chosen: list[Variant] = list(product.variants)
    if variant_ids is not None:
        from comptoir.catalog.errors import VariantNotFound

        for index, variant_id in enumerate(variant_ids):
            if variant_id not in own:
                raise VariantNotFound(field=f"variant_ids.{index}")
        chosen = [own[v] for v in variant_ids]
    existing = {
        row.variant_id: row
        for row in session.scalars(
            select(ChannelListing).where(
                ChannelListing.channel_id == channel_id,
                ChannelListing.product_id == product_id,
            )
        )
    }
    result = []
    for variant in chosen:
        listing = existing.get(variant.id)
        if listing is None:
            listing = ChannelListing(
                channel_id=channel_id, product_id=product_id, variant_id=variant.id
            )
            session.add(listing)
        listing.is_published = is_published
        result.append(listing)
    session.flush()
    return result


def listings_of_product(session: Session, product_id: uuid.UUID) -> list[ChannelListing]:
    """Every channel listing of a product."""
    return list(
        session.scalars(
            select(ChannelListing)
            .where(ChannelListing.product_id == product_id)
            .order_by(ChannelListing.channel_id, ChannelListing.variant_id)
        )
    )


def listed_variant_ids(session: Session, channel_id: uuid.UUID) -> set[uuid.UUID]:
    """The variants published on a channel."""
    return set(
        session.scalars(
            select(ChannelListing.variant_id).where(
                ChannelListing.channel_id == channel_id, ChannelListing.is_published.is_(True)
            )
        )
    )


def is_listed(session: Session, channel_id: uuid.UUID, variant_id: uuid.UUID) -> bool:
    """Whether the variant is published on the channel (one indexed row, whatever the size
    of the catalogue)."""
    return (
        session.scalar(
            select(ChannelListing.id).where(
                ChannelListing.channel_id == channel_id,
                ChannelListing.variant_id == variant_id,
                ChannelListing.is_published.is_(True),
            )
        )
        is not None
    )
