"""Domain errors and their HTTP face, RFC 9457 problem details.

Each error carries a stable problem ``type`` slug, an HTTP status, a translated title, the field
at fault (if any) and a message template translated at the edge. Every subclass that sets its
own ``slug`` joins a registry: ``GET /problems/{slug}`` describes it and the ``type`` URI of a
problem (``/problems/<slug>``) points there. Errors are mapped to responses once, here.
"""

from __future__ import annotations

import html
import logging
from collections.abc import Mapping, Sequence
from http import HTTPStatus
from typing import Any, ClassVar

from fastapi import APIRouter, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, Response
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from comptoir.kit.http.context import route_template
from comptoir.kit.http.validation import FieldIssue, issues_from_pydantic
from comptoir.kit.i18n import DEFAULT_LOCALE, LazyString, Locale, negotiate_locale, translate
from comptoir.kit.i18n import lazy_gettext as _l

PROBLEM_MEDIA_TYPE = "application/problem+json"
PROBLEMS_PATH = "/problems"

logger = logging.getLogger("comptoir.errors")

_registry: dict[str, type[DomainError]] = {}


class DomainError(Exception):
    """Base of every error a user or an integrator may see.

    Subclasses set ``slug`` (stable, kebab-case: it becomes the problem ``type``), ``status``
    and ``title`` (a lazy translation); ``message`` is a message id or lazy text formatted with
    ``params`` in the reader's language; ``issues`` lists every offending field when there are
    several.
    """

    slug: ClassVar[str] = "domain-error"
    status: ClassVar[int] = 400
    title: ClassVar[LazyString] = _l("The request cannot be carried out.")
    challenge: ClassVar[str | None] = None
    """The ``WWW-Authenticate`` challenge sent with the problem (401 answers must carry one)."""

    def __init__(
        self,
        message: str | LazyString | None = None,
        *,
        field: str | None = None,
        issues: Sequence[FieldIssue] = (),
        **params: Any,
    ) -> None:
        self.message: str | LazyString = message if message is not None else self.title
        self.field = field if field is not None else (issues[0].field if issues else None)
        self.issues = list(issues)
        self.params = params
        # The exception's own text is for logs and tracebacks: always English.
        super().__init__(translate(self.message, "en", **params))

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "slug" in cls.__dict__:
            _register(cls)

    def detail(self, locale: Locale) -> str:
        """The human message in ``locale``."""
        return translate(self.message, locale, **self.params)

    @classmethod
    def problem_type(cls) -> str:
        """The problem ``type`` URI, relative to the API base."""
        return f"{PROBLEMS_PATH}/{cls.slug}"


def _register(error_class: type[DomainError]) -> None:
    known = _registry.get(error_class.slug)
    if known is not None and _name(known) != _name(error_class):
        raise TypeError(
            f"problem slug {error_class.slug!r} is used by {_name(known)} and {_name(error_class)}"
        )
    _registry[error_class.slug] = error_class


def _name(error_class: type[DomainError]) -> str:
    return f"{error_class.__module__}.{error_class.__qualname__}"


def problem_types() -> Mapping[str, type[DomainError]]:
    """Every known problem slug and the error class that raises it."""
    return dict(_registry)


class BadRequest(DomainError):
    slug = "bad-request"
    status = 400
    title = _l("The request is malformed.")


class Unauthorized(DomainError):
    slug = "unauthorized"
    status = 401
    title = _l("Authentication is required.")
    challenge = 'Bearer realm="comptoir"'


class Forbidden(DomainError):
    slug = "forbidden"
    status = 403
    title = _l("You are not allowed to do this.")


class NotFound(DomainError):
    slug = "not-found"
    status = 404
    title = _l("The requested resource does not exist.")


class MethodNotAllowed(DomainError):
    slug = "method-not-allowed"
    status = 405
    title = _l("This method is not allowed on this resource.")


class Conflict(DomainError):
    slug = "conflict"
    status = 409
    title = _l("The request conflicts with the current state of the resource.")


class PayloadTooLarge(DomainError):
    slug = "payload-too-large"
    status = 413
    title = _l("The request body is too large.")


class UnsupportedMediaType(DomainError):
    slug = "unsupported-media-type"
    status = 415
    title = _l("The request body is in a format this resource does not accept.")


class InvalidInput(DomainError):
    slug = "invalid-input"
    status = 422
    title = _l("A value is not valid.")


class RequestValidationFailed(InvalidInput):
    slug = "validation-failed"
    title = _l("Some values of the request are not valid.")


class TooManyRequests(DomainError):
    slug = "too-many-requests"
    status = 429
    title = _l("Too many requests: try again later.")


class InternalError(DomainError):
    slug = "internal-error"
    status = 500
    title = _l("An unexpected error occurred. It has been logged.")


class ServiceUnavailable(DomainError):
    slug = "service-unavailable"
    status = 503
    title = _l("The service is temporarily unavailable.")


_BY_STATUS: Mapping[int, type[DomainError]] = {
    error.status: error
    for error in (
        BadRequest, Unauthorized, Forbidden, NotFound, MethodNotAllowed, Conflict,
        PayloadTooLarge, UnsupportedMediaType, InvalidInput, TooManyRequests, InternalError,
        ServiceUnavailable,
    )
}  # fmt: skip


class FieldProblem(BaseModel):
    """One offending field of a request."""

    field: str = Field(examples=["lines.0.quantity"])
    message: str = Field(examples=["Doit être supérieur à 0."])


class ProblemDetails(BaseModel):
    """An error answer, RFC 9457 (``application/problem+json``)."""

    type: str = Field(description="Stable URI of the problem kind.", examples=["/problems/x"])
    title: str = Field(description="Short summary of the problem kind, translated.")
    status: int = Field(description="HTTP status code.", examples=[422])
    detail: str | None = Field(default=None, description="What went wrong this time.")
    instance: str | None = Field(default=None, description="The path that was requested.")
    field: str | None = Field(default=None, description="The (first) offending field.")
    errors: list[FieldProblem] = Field(default_factory=list, description="Every bad field.")


def problem_details(
    error: DomainError, locale: Locale, *, instance: str | None = None
) -> ProblemDetails:
    """``error`` described in ``locale``."""
    return ProblemDetails(
        type=error.problem_type(),
        title=translate(error.title, locale),
        status=error.status,
        detail=error.detail(locale),
        instance=instance,
        field=error.field,
        errors=[
            FieldProblem(field=issue.field, message=issue.translated(locale))
            for issue in error.issues
        ],
    )


def problem_response(
    error: DomainError,
    locale: Locale,
    *,
    instance: str | None = None,
    headers: Mapping[str, str] | None = None,
) -> JSONResponse:
    """The ``application/problem+json`` response for ``error``, in ``locale``."""
    body = problem_details(error, locale, instance=instance)
    challenge = {"WWW-Authenticate": error.challenge} if error.challenge else {}
    return JSONResponse(
        _problem_json(body),
        status_code=error.status,
        media_type=PROBLEM_MEDIA_TYPE,
        headers={**challenge, **(headers or {}), "Content-Language": locale},
    )


def _problem_json(body: ProblemDetails) -> dict[str, Any]:
    # Members without a value are left out rather than sent as null or [].
    return body.model_dump(mode="json", exclude_none=True, exclude_defaults=True)


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """The ``responses=`` of a route that may answer with these problem statuses, so the
    OpenAPI document declares each one (``422`` is always declared by FastAPI)."""
    return {
        status: {"model": ProblemDetails, "description": HTTPStatus(status).phrase}
        for status in statuses
    }


def request_locale(request: Request) -> Locale:
    """The language the client asked for, among the shipped ones (``Accept-Language``)."""
    settings = getattr(request.app.state, "settings", None)
    default: Locale = getattr(settings, "default_locale", DEFAULT_LOCALE)
    return negotiate_locale(request.headers.get("accept-language"), default)


async def _domain_error_handler(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, DomainError)
    return problem_response(exc, request_locale(request), instance=request.url.path)


async def _validation_error_handler(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    error = RequestValidationFailed(issues=issues_from_pydantic(exc.errors()))
    return problem_response(error, request_locale(request), instance=request.url.path)


async def _http_exception_handler(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    locale = request_locale(request)
    error_class = _BY_STATUS.get(exc.status_code)
    if error_class is not None:
        return problem_response(
            error_class(), locale, instance=request.url.path, headers=exc.headers
        )
    # A status with no problem kind of its own: RFC 9457's "about:blank".
    phrase = HTTPStatus(exc.status_code).phrase
    body = ProblemDetails(type="about:blank", title=phrase, status=exc.status_code)
    return JSONResponse(
        _problem_json(body),
        status_code=exc.status_code,
        media_type=PROBLEM_MEDIA_TYPE,
        headers=exc.headers,
    )


async def _unexpected_error_handler(request: Request, exc: Exception) -> Response:
    # Logged with its traceback; the client learns only that it happened.
    logger.error(
        "unhandled error on %s %s", request.method, route_template(request.scope), exc_info=exc
    )
    return problem_response(InternalError(), request_locale(request), instance=request.url.path)


def install_problem_handlers(app: FastAPI) -> None:
    """Map every error to a problem response: domain errors to their status, request
    validation to 422 with every offending field, HTTP errors (404, 405...) to their problem
    kind, anything else to a 500 that leaks no internals. Also rewrites the OpenAPI document
    so that error responses are declared as ``application/problem+json``."""
    app.add_exception_handler(DomainError, _domain_error_handler)
    app.add_exception_handler(RequestValidationError, _validation_error_handler)
    app.add_exception_handler(StarletteHTTPException, _http_exception_handler)
    app.add_exception_handler(Exception, _unexpected_error_handler)
    _declare_problems_in_openapi(app)


def _declare_problems_in_openapi(app: FastAPI) -> None:
    build_openapi = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        document = build_openapi()
        _rewrite_error_responses(document)
        app.openapi_schema = document
        return document

    app.openapi = openapi  # type: ignore[method-assign]


def _rewrite_error_responses(document: dict[str, Any]) -> None:
    """Error responses carry a ProblemDetails as ``application/problem+json``; FastAPI's own
    422 schema (HTTPValidationError) is replaced, since that is not what the client gets."""
    reference = {"$ref": "#/components/schemas/ProblemDetails"}
    components = document.setdefault("components", {}).setdefault("schemas", {})
    components.setdefault(
        "ProblemDetails",
        ProblemDetails.model_json_schema(ref_template="#/components/schemas/{model}"),
    )
    for name, schema in (
        ProblemDetails.model_json_schema(ref_template="#/components/schemas/{model}")
        .get("$defs", {})
        .items()
    ):
        components.setdefault(name, schema)
    components["ProblemDetails"].pop("$defs", None)
    for path_item in document.get("paths", {}).values():
        for operation in path_item.values():
            for status, response in operation.get("responses", {}).items():
                if status[:1] in {"4", "5"}:
                    response["content"] = {PROBLEM_MEDIA_TYPE: {"schema": reference}}
    for unused in ("HTTPValidationError", "ValidationError"):
        components.pop(unused, None)


problems_router = APIRouter(prefix=PROBLEMS_PATH, tags=["problems"])


class ProblemKind(BaseModel):
    """What one problem ``type`` means."""

    type: str
    slug: str
    title: str
    status: int


@problems_router.get("/{slug}", response_model=ProblemKind, responses=problem_responses(404))
def describe_problem(slug: str, request: Request) -> Response:
    """What a problem ``type`` means: JSON, or a small page for a browser."""
    error_class = _registry.get(slug)
    if error_class is None:
        raise NotFound()
    locale = request_locale(request)
    kind = ProblemKind(
        type=error_class.problem_type(),
        slug=slug,
        title=translate(error_class.title, locale),
        status=error_class.status,
    )
    if "text/html" in request.headers.get("accept", ""):
        return HTMLResponse(_problem_page(kind, locale), headers={"Content-Language": locale})
    return JSONResponse(kind.model_dump(), headers={"Content-Language": locale})


def _problem_page(kind: ProblemKind, locale: Locale) -> str:
    title = html.escape(kind.title)
    status = f"{kind.status} {html.escape(HTTPStatus(kind.status).phrase)}"
    return (
        f'<!doctype html><html lang="{locale}"><head><meta charset="utf-8">'
        f"<title>{title}</title></head><body><main><h1>{title}</h1>"
        f"<p><code>{html.escape(kind.type)}</code> — HTTP {status}</p></main></body></html>"
    )
