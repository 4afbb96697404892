"""The customers' admin API, ``/api/v1/customers/...``. Every write is recorded in the audit
trail for the caller (the application audits every ``/api/v1`` router); merges and unmerges
also as their own entries."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response, status

from comptoir.customers import schemas, service
from comptoir.kit.errors import problem_responses
from comptoir.kit.http.access import Principal, current_principal, requires
from comptoir.kit.http.transaction import DbSession
from comptoir.kit.pagination import Page, PageParams
from comptoir.privacy.capture import request_meta
from comptoir.privacy.schemas import AuditActor

router = APIRouter(prefix="/customers", tags=["customers"])

READ = [requires("customers:read")]
WRITE = [requires("customers:write")]
Caller = Annotated[Principal, Depends(current_principal)]
Paging = Annotated[PageParams, Depends()]


def _actor(principal: Principal) -> str:
    # Staff names are personal data: records name the caller by kind and id.
    return f"{principal.kind}:{principal.id}"


# -- groups ---------------------------------------------------------------------------------


@router.get("/groups", dependencies=READ, response_model=list[schemas.GroupOut])
def list_groups(session: DbSession) -> list[schemas.GroupOut]:
    """Every customer group; their codes are the catalogue price lists' ``customer_group``."""
    return [schemas.GroupOut.model_validate(g) for g in service.list_groups(session)]


@router.post(
    "/groups",
    dependencies=WRITE,
    status_code=status.HTTP_201_CREATED,
    response_model=schemas.GroupOut,
    responses=problem_responses(409),
)
def create_group(session: DbSession, body: schemas.GroupIn) -> schemas.GroupOut:
    return schemas.GroupOut.model_validate(service.create_group(session, body))


@router.post(
    "/merges/{merge_id}/unmerge",
    dependencies=WRITE,
    response_model=schemas.MergeOut,
    responses=problem_responses(404, 409),
)
def unmerge(
    session: DbSession, request: Request, principal: Caller, merge_id: uuid.UUID
) -> schemas.MergeOut:
    """Undo a merge: the merged customer comes back with what it brought."""
    merge = service.unmerge(
        session, merge_id, actor=AuditActor.from_principal(principal), meta=request_meta(request)
    )
    return schemas.MergeOut.model_validate(merge)


# -- customers ------------------------------------------------------------------------------


@router.get("", dependencies=READ, response_model=Page[schemas.CustomerOut])
def list_customers(
    session: DbSession,
    paging: Paging,
    q: Annotated[
        str | None,
        Query(max_length=254, description="An exact e-mail or phone, a SIREN, SIRET or VAT."),
    ] = None,
    group: Annotated[str | None, Query(max_length=50)] = None,
    kind: schemas.CustomerKind | None = None,
    status_: Annotated[schemas.CustomerStatus | None, Query(alias="status")] = "active",
) -> Page[schemas.CustomerOut]:
    """Customers newest first, a page at a time."""
    filters = schemas.CustomerFilters(q=q, group=group, kind=kind, status=status_)
    page = service.list_customers(session, filters, limit=paging.limit, cursor=paging.cursor)
    return page.map(lambda customer: service.customer_out(session, customer))


@router.post(
    "",
    dependencies=WRITE,
    status_code=status.HTTP_201_CREATED,
    response_model=schemas.CustomerOut,
    responses=problem_responses(409),
)
def create_customer(session: DbSession, body: schemas.CustomerCreate) -> schemas.CustomerOut:
    """A new customer with its groups and addresses. 422 ``invalid-customer`` names every
    bad field; 409 ``customer-email-taken`` if an active customer has the e-mail."""
    return service.customer_out(session, service.create_customer(session, body))


@router.get(
    "/{customer_id}",
    dependencies=READ,
    response_model=schemas.CustomerOut,
    responses=problem_responses(404),
)
def get_customer(session: DbSession, customer_id: uuid.UUID) -> schemas.CustomerOut:
    return service.customer_out(session, service.get_customer(session, customer_id))


@router.patch(
    "/{customer_id}",
    dependencies=WRITE,
    response_model=schemas.CustomerOut,
    responses=problem_responses(404, 409),
)
def update_customer(
    session: DbSession, customer_id: uuid.UUID, body: schemas.CustomerUpdate
) -> schemas.CustomerOut:
    """Change the fields given (``groups`` replaces the customer's groups)."""
    customer = service.update_customer(session, customer_id, body)
    return service.customer_out(session, customer)


@router.post(
    "/{customer_id}/erase",
    dependencies=[requires("customers:write", "privacy:export")],
    response_model=schemas.CustomerOut,
    responses=problem_responses(404),
)
def erase_customer(session: DbSession, customer_id: uuid.UUID) -> schemas.CustomerOut:
    """Erase the customer (and those merged into it) for good by destroying its data key."""
    service.erase_customer(session, customer_id)
    return service.customer_out(session, service.get_customer(session, customer_id))


# -- addresses ------------------------------------------------------------------------------


@router.get(
    "/{customer_id}/addresses",
    dependencies=READ,
    response_model=list[schemas.AddressOut],
    responses=problem_responses(404),
)
def list_addresses(session: DbSession, customer_id: uuid.UUID) -> list[schemas.AddressOut]:
    service.get_customer(session, customer_id)
    return [
        schemas.AddressOut.model_validate(a) for a in service.list_addresses(session, customer_id)
    ]


@router.post(
    "/{customer_id}/addresses",
    dependencies=WRITE,
    status_code=status.HTTP_201_CREATED,
    response_model=schemas.AddressOut,
    responses=problem_responses(404, 409),
)
def add_address(
    session: DbSession, customer_id: uuid.UUID, body: schemas.AddressIn
) -> schemas.AddressOut:
    return schemas.AddressOut.model_validate(service.add_address(session, customer_id, body))


@router.patch(
    "/{customer_id}/addresses/{address_id}",
    dependencies=WRITE,
    response_model=schemas.AddressOut,
    responses=problem_responses(404, 409),
)
def update_address(
    session: DbSession, customer_id: uuid.UUID, address_id: uuid.UUID, body: schemas.AddressUpdate
) -> schemas.AddressOut:
    address = service.update_address(session, customer_id, address_id, body)
    return schemas.AddressOut.model_validate(address)


@router.delete(
    "/{customer_id}/addresses/{address_id}",
    dependencies=WRITE,
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problem_responses(404, 409),
)
def remove_address(session: DbSession, customer_id: uuid.UUID, address_id: uuid.UUID) -> Response:
    service.remove_address(session, customer_id, address_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


# -- consents -------------------------------------------------------------------------------


def _consents(session: DbSession, customer_id: uuid.UUID) -> schemas.Consents:
    return schemas.Consents(
        current=service.current_consents(session, customer_id),
        history=[
            schemas.ConsentRecordOut.model_validate(r)
            for r in service.consent_history(session, customer_id)
        ],
    )


@router.get(
    "/{customer_id}/consents",
    dependencies=READ,
    response_model=schemas.Consents,
    responses=problem_responses(404),
)
def list_consents(session: DbSession, customer_id: uuid.UUID) -> schemas.Consents:
    """Where the customer stands per channel and purpose, and every record, newest first."""
    service.get_customer(session, customer_id)
    return _consents(session, customer_id)


@router.post(
    "/{customer_id}/consents",
    dependencies=WRITE,
    status_code=status.HTTP_201_CREATED,
    response_model=schemas.Consents,
    responses=problem_responses(404, 409),
)
def record_consent(
    session: DbSession, principal: Caller, customer_id: uuid.UUID, body: schemas.ConsentIn
) -> schemas.Consents:
    service.record_consent(
        session,
        customer_id,
        channel=body.channel,
        purpose=body.purpose,
        wording_version=body.wording_version,
        source=body.source,
        actor=_actor(principal),
    )
    return _consents(session, customer_id)


@router.post(
    "/{customer_id}/consents/withdraw",
    dependencies=WRITE,
    status_code=status.HTTP_201_CREATED,
    response_model=schemas.Consents,
    responses=problem_responses(404, 409),
)
def withdraw_consent(
    session: DbSession, principal: Caller, customer_id: uuid.UUID, body: schemas.ConsentWithdrawal
) -> schemas.Consents:
    service.withdraw_consent(
        session,
        customer_id,
        channel=body.channel,
        purpose=body.purpose,
        source=body.source,
        actor=_actor(principal),
    )
    return _consents(session, customer_id)


# -- merges ---------------------------------------------------------------------------------


@router.post(
    "/{customer_id}/merge",
    dependencies=WRITE,
    status_code=status.HTTP_201_CREATED,
    response_model=schemas.MergeOut,
    responses=problem_responses(404, 409),
)
def merge(
    session: DbSession,
    request: Request,
    principal: Caller,
    customer_id: uuid.UUID,
    body: schemas.MergeIn,
) -> schemas.MergeOut:
    """Merge ``source_id`` into this customer (undo it with the merge's ``unmerge``)."""
    result = service.merge_customers(
        session,
        customer_id,
        body.source_id,
        actor=AuditActor.from_principal(principal),
        meta=request_meta(request),
    )
    return schemas.MergeOut.model_validate(result)


@router.get(
    "/{customer_id}/merges",
    dependencies=READ,
    response_model=list[schemas.MergeOut],
    responses=problem_responses(404),
)
def list_merges(session: DbSession, customer_id: uuid.UUID) -> list[schemas.MergeOut]:
    service.get_customer(session, customer_id)
    return [schemas.MergeOut.model_validate(m) for m in service.merges_of(session, customer_id)]
