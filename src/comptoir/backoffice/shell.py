"""The back office's shell: the layout every page shares, the access gate, the language, the
CSRF check and the way module pages plug in.

:func:`mount` is the entry point the application factory calls. A module adds pages with
:func:`register_pages` (its router and its templates folder) and a link with
:func:`comptoir.backoffice.nav.register`; its handlers answer with :func:`render`.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Final, Protocol
from urllib.parse import quote
from zoneinfo import ZoneInfo

from babel.dates import format_skeleton, get_datetime_format
from babel.numbers import format_decimal
from fastapi import APIRouter, Depends, FastAPI, Form, HTTPException, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from jinja2 import (
    BytecodeCache,
    ChoiceLoader,
    Environment,
    FileSystemLoader,
    StrictUndefined,
    select_autoescape,
)
from jinja2.bccache import Bucket
from markupsafe import Markup, escape
from starlette.concurrency import run_in_threadpool
from starlette.routing import BaseRoute

from comptoir.backoffice import csrf
from comptoir.backoffice.nav import NavGroup, NavItem, NavRegistry, navigation
from comptoir.kit.http.access import Principal, access_denied
from comptoir.kit.http.routes import add_shared_routes, template_router
from comptoir.kit.i18n import (
    SUPPORTED_LOCALES,
    LazyString,
    Locale,
    negotiate_locale,
    translations,
    use_locale,
)
from comptoir.kit.i18n import lazy_gettext as _l
from comptoir.kit.settings import Settings

logger = logging.getLogger(__name__)

PACKAGE_DIR: Final = Path(__file__).resolve().parent
STATIC_DIR: Final = PACKAGE_DIR / "static"
STATIC_URL: Final = "/admin/static"
LOCALE_COOKIE: Final = "comptoir_locale"
FLASH_COOKIE: Final = "comptoir_flash"
HTMX_VERSION: Final = "2.0.11"
ALPINE_VERSION: Final = "3.17.5"


@dataclass(frozen=True, slots=True)
class Crumb:
    """One step of a breadcrumb; the last one (the current page) has no ``path``."""

    label: str | LazyString
    path: str | None = None


@dataclass(frozen=True, slots=True)
class PrimaryAction:
    """The page's one primary action, shown top right: a link."""

    label: str | LazyString
    path: str


class Gatekeeper(Protocol):
    """Who signs people in to the back office (the identity module registers one with
    :func:`set_gatekeeper`)."""

    def authenticate(self, request: Request) -> Principal | None:
        """The signed-in staff principal of ``request``, or ``None``. May set
        ``request.state.csrf_binding`` (a server-side secret of the session) so that CSRF
        tokens are bound to the session. Runs in a worker thread."""
        ...

    def sign_in_path(self, request: Request) -> str:
        """Where to send a request that has no principal (the sign-in page, or the step of
        the sign-in still due)."""
        ...


WriteHook = Callable[[Request], None]
WRITING_METHODS: Final = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class PageRedirect(Exception):
    """Raised by a page dependency to send the browser to ``location`` (303; htmx requests
    get ``HX-Redirect``)."""

    def __init__(self, location: str) -> None:
        super().__init__(location)
        self.location = location


class PageForbidden(Exception):
    """Raised when the signed-in user lacks the page's scope: a 403 page."""

    def __init__(self, scope: str) -> None:
        super().__init__(scope)
        self.scope = scope


@dataclass(slots=True)
class _Pages:
    routers: list[APIRouter] = field(default_factory=list)
    public_routers: list[APIRouter] = field(default_factory=list)
    gatekeeper: Gatekeeper | None = None
    template_dirs: list[Path] = field(default_factory=lambda: [PACKAGE_DIR / "templates"])
    flash_messages: dict[str, LazyString] = field(default_factory=dict)
    write_hooks: list[WriteHook] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


_pages = _Pages()


def register_pages(
    router: APIRouter, *, templates: Path | None = None, public: bool = False
) -> None:
    """Serve ``router``'s pages under ``/admin`` (its paths are relative to it), behind the
    shell's access gate and CSRF check, and look up templates in ``templates`` too.

    ``public`` pages (sign-in, password reset) need no signed-in user but keep the CSRF
    check. Call it when the module is imported, before :func:`mount`. Registering the same
    router twice is harmless.
    """
    with _pages.lock:
        target = _pages.public_routers if public else _pages.routers
        if router not in target:
            target.append(router)
        if templates is not None and templates not in _pages.template_dirs:
            _pages.template_dirs.append(templates)


def set_gatekeeper(gatekeeper: Gatekeeper) -> None:
    """Sign people in to the back office with ``gatekeeper`` (called by the identity module
    when it is imported, before :func:`mount`)."""
    with _pages.lock:
        _pages.gatekeeper = gatekeeper


def on_page_write(hook: WriteHook) -> None:
    """Call ``hook(request)`` for every writing request (POST, PUT, PATCH, DELETE) to a
    back-office page, public ones included, once the signed-in principal (if any) is on
    ``request.state`` and before the page runs; in a worker thread. The audit trail uses it
    to record every write of every page. Registering the same hook twice is harmless."""
    with _pages.lock:
        if hook not in _pages.write_hooks:
            _pages.write_hooks.append(hook)


def register_flash(code: str, message: LazyString) -> None:
    """Declare a message that a page may show after a redirect (see :func:`redirect_with_flash`).

    Only declared codes travel in the flash cookie, so a forged cookie cannot inject text.
    """
    with _pages.lock:
        _pages.flash_messages[code] = message


class Backoffice:
    """What the shell keeps per application: its settings, whether it is open (a gatekeeper
    signs people in), and one Jinja2 environment per language (gettext is installed per
    environment, so languages never mix between concurrent requests)."""

    def __init__(
        self,
        settings: Settings,
        *,
        is_open: bool,
        nav: NavRegistry,
        gatekeeper: Gatekeeper | None = None,
    ) -> None:
        self.settings = settings
        self.is_open = is_open
        self.gatekeeper = gatekeeper
        self.nav = nav
        self.timezone = ZoneInfo(settings.timezone)
        self.secure_cookies = settings.base_url.startswith("https://")
        self.environments = {locale: self._environment(locale) for locale in SUPPORTED_LOCALES}

    def _environment(self, locale: Locale) -> Environment:
        env = Environment(
            loader=ChoiceLoader([FileSystemLoader(path) for path in _pages.template_dirs]),
            autoescape=select_autoescape(default=True),
            undefined=StrictUndefined,
            extensions=["jinja2.ext.i18n"],
            trim_blocks=True,
            lstrip_blocks=True,
            bytecode_cache=_compiled_templates,
        )
        env.install_gettext_translations(translations(locale), newstyle=True)  # type: ignore[attr-defined]
        env.globals.update(
            locale=locale,
            static=static_url,
            htmx_version=HTMX_VERSION,
            alpine_version=ALPINE_VERSION,
        )
        env.filters["datetime"] = lambda value: format_moment(value, locale, self.timezone)
        env.filters["number"] = lambda value: format_decimal(value, locale=locale)
        env.filters["breakable"] = breakable
        return env


class _ProcessBytecodeCache(BytecodeCache):
    """Compiled templates kept for the life of the process and shared by every environment
    (the languages, the applications): a template is compiled once, not once per environment.
    Jinja checks each entry against the template's source before using it."""

    def __init__(self) -> None:
        self._compiled: dict[str, bytes] = {}

    def load_bytecode(self, bucket: Bucket) -> None:
        compiled = self._compiled.get(bucket.key)
        if compiled is not None:
            bucket.bytecode_from_string(compiled)

    def dump_bytecode(self, bucket: Bucket) -> None:
        self._compiled[bucket.key] = bucket.bytecode_to_string()


_compiled_templates: Final = _ProcessBytecodeCache()


def static_url(path: str) -> str:
    """The URL of a file under the back office's ``static`` folder."""
    return f"{STATIC_URL}/{path.lstrip('/')}"


_BREAK_AFTER: Final = re.compile(r"([._\-:/])")


def breakable(identifier: str) -> Markup:
    """``identifier`` escaped, with a line-break opportunity after each ``. _ - : /``, so that
    long names (``billing.issue_invoice``, UUIDs) wrap between their parts in narrow columns."""
    return Markup(_BREAK_AFTER.sub(r"\1<wbr>", str(escape(identifier))))


def format_moment(value: datetime | None, locale: Locale, timezone: ZoneInfo) -> str:
    """A date and time as the shop reads it: in its timezone, in the user's language
    (``23 nov. 2026, 11:00`` / ``Nov 23, 2026, 11:00``); an em dash for none."""
    if value is None:
        return "—"
    # CLDR has no combined skeleton for this; join the date and the time the locale's way.
    day = format_skeleton("yMMMd", value, tzinfo=timezone, locale=locale)
    time = format_skeleton("Hm", value, tzinfo=timezone, locale=locale)
    return str(get_datetime_format("medium", locale=locale)).format(time, day)


def backoffice(request: Request) -> Backoffice:
    """The shell's state for the application serving ``request``."""
    state = request.app.state.backoffice
    assert isinstance(state, Backoffice)
    return state


def request_locale(request: Request) -> Locale:
    """The language of the page: the ``comptoir_locale`` cookie, else the browser's
    ``Accept-Language``, else the shop's default."""
    chosen = request.cookies.get(LOCALE_COOKIE)
    for locale in SUPPORTED_LOCALES:
        if chosen == locale:
            return locale
    default = backoffice(request).settings.default_locale
    return negotiate_locale(request.headers.get("accept-language"), default)


def is_htmx(request: Request) -> bool:
    """Whether htmx sent the request and expects a fragment. A history restore (the back
    button after a cache miss) wants the whole page."""
    return (
        request.headers.get("HX-Request") == "true"
        and request.headers.get("HX-History-Restore-Request") != "true"
    )


def render(
    request: Request,
    template: str,
    *,
    status_code: int = 200,
    title: str | LazyString = "",
    breadcrumb: list[Crumb] | None = None,
    primary_action: PrimaryAction | None = None,
    **context: Any,
) -> HTMLResponse:
    """Render ``template`` in the request's language with the shell's context (navigation,
    current item, CSRF token, flash message) and hand the browser a CSRF cookie if it had
    none. Fragments rendered for htmx get the same context."""
    state = backoffice(request)
    locale = request_locale(request)
    flash = _pages.flash_messages.get(request.cookies.get(FLASH_COOKIE, ""))
    current: NavItem | None = state.nav.current(request.url.path)
    with use_locale(locale):
        html = (
            state.environments[locale]
            .get_template(template)
            .render(
                request=request,
                title=title,
                breadcrumb=breadcrumb or [],
                primary_action=primary_action,
                nav_groups=_nav_groups(state, request),
                current_item=current,
                csrf_token=csrf.token_for(request, csrf_key(request)),
                principal=getattr(request.state, "principal", None),
                flash=flash,
                **context,
            )
        )
    response = HTMLResponse(html, status_code=status_code)
    # The same URL answers a page or an htmx fragment: caches must tell them apart, and
    # back-office pages hold shop data that has no business in a shared cache.
    response.headers["Vary"] = "HX-Request"
    response.headers["Cache-Control"] = "no-store"
    csrf.set_cookie(request, response, secure=state.secure_cookies)
    if FLASH_COOKIE in request.cookies:
        response.delete_cookie(FLASH_COOKIE, path="/admin")
    return response


def _nav_groups(state: Backoffice, request: Request) -> list[NavGroup]:
    """The navigation the signed-in person may use (none before sign-in)."""
    principal = getattr(request.state, "principal", None)
    return state.nav.groups(principal) if isinstance(principal, Principal) else []


def redirect_with_flash(request: Request, path: str, code: str) -> RedirectResponse:
    """A 303 to ``path`` whose page then shows the message declared as ``code``."""
    response = RedirectResponse(path, status_code=303)
    response.set_cookie(
        FLASH_COOKIE,
        code,
        path="/admin",
        httponly=True,
        samesite="lax",
        secure=backoffice(request).secure_cookies,
    )
    return response


def csrf_key(request: Request) -> str:
    """The key CSRF tokens are signed with: the shop's secret, bound to the back-office
    session when there is one (a token from before sign-in is useless after it)."""
    secret: str = backoffice(request).settings.secret_key
    binding = getattr(request.state, "csrf_binding", "")
    return f"{secret}|{binding}" if binding else secret


def login_redirect(request: Request, sign_in_path: str) -> str:
    """``sign_in_path`` with the current page as a safe ``next``."""
    here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    if request.method != "GET" or here.startswith(sign_in_path.split("?", 1)[0]):
        return sign_in_path
    separator = "&" if "?" in sign_in_path else "?"
    return f"{sign_in_path}{separator}next={quote(_local_path(here), safe='/')}"


async def _identify(request: Request) -> Principal | None:
    state = backoffice(request)
    if state.gatekeeper is None:
        return None
    principal = await run_in_threadpool(state.gatekeeper.authenticate, request)
    if principal is not None:
        request.state.principal = principal
    return principal


async def _guard(request: Request) -> None:
    """Every back-office URL: 404 while the back office is closed (nothing to discover), the
    sign-in page for someone not signed in, then the CSRF check on state-changing requests,
    then the write hooks (the audit trail)."""
    state = backoffice(request)
    if not state.is_open:
        raise HTTPException(status_code=404, detail="Not Found")
    principal = await _identify(request)
    if principal is None:
        assert state.gatekeeper is not None
        raise PageRedirect(login_redirect(request, state.gatekeeper.sign_in_path(request)))
    await csrf.verify(request, csrf_key(request))
    await _run_write_hooks(request)


async def _public_guard(request: Request) -> None:
    """Public pages (sign-in): the principal if there is one, the CSRF check and the write
    hooks."""
    state = backoffice(request)
    if not state.is_open:
        raise HTTPException(status_code=404, detail="Not Found")
    await _identify(request)
    await csrf.verify(request, csrf_key(request))
    await _run_write_hooks(request)


async def _run_write_hooks(request: Request) -> None:
    if request.method not in WRITING_METHODS:
        return
    with _pages.lock:
        hooks = list(_pages.write_hooks)
    for hook in hooks:
        await run_in_threadpool(hook, request)


def require_scope(scope: str) -> Any:
    """A page dependency: the signed-in user must hold ``scope``, else a 403 page."""

    def check(request: Request) -> None:
        principal = getattr(request.state, "principal", None)
        if not isinstance(principal, Principal) or not principal.has_scope(scope):
            if isinstance(principal, Principal):
                access_denied(request, principal, scope)
            raise PageForbidden(scope)

    check.required_scope = scope  # type: ignore[attr-defined]
    return Depends(check)


async def _redirect_handler(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, PageRedirect)
    if is_htmx(request):
        return Response(status_code=204, headers={"HX-Redirect": exc.location})
    return RedirectResponse(exc.location, status_code=303)


async def _forbidden_handler(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, PageForbidden)
    return render(
        request,
        "forbidden.html",
        status_code=403,
        title=_l("You do not have access to this page"),
        scope=exc.scope,
    )


shell_router = APIRouter()
public_shell_router = APIRouter()


@shell_router.get("", response_class=HTMLResponse)
def home(request: Request) -> HTMLResponse:
    """The back office's front page: every section and its pages."""
    return render(request, "home.html", title=_l("Back office"))


def _local_path(candidate: str) -> str:
    """``candidate`` if it is a back-office path on this site, else the front page (never an
    open redirect)."""
    if candidate.startswith("/admin") and not candidate.startswith("//") and "\\" not in candidate:
        return candidate
    return "/admin"


@public_shell_router.post("/locale")
def switch_locale(
    locale: str = Form(...), next_path: str = Form("/admin", alias="next")
) -> Response:
    """Remember the chosen language in the ``comptoir_locale`` cookie and go back to the page.
    An unknown language is refused with 422."""
    if locale not in SUPPORTED_LOCALES:
        raise HTTPException(status_code=422, detail="unsupported locale")
    response = RedirectResponse(_local_path(next_path), status_code=303)
    response.set_cookie(LOCALE_COOKIE, locale, path="/", max_age=365 * 24 * 3600, samesite="lax")
    return response


def mount(app: FastAPI, settings: Settings) -> None:
    """Serve the back office under ``/admin`` and its static files under ``/admin/static``.

    Pages need a signed-in staff user (the gatekeeper registered by the identity module);
    without a gatekeeper, every ``/admin`` URL answers 404. Every POST must carry
    the CSRF token (403 otherwise). Pages come from the modules that called
    :func:`register_pages` before this call; the Operations page is always there.
    """
    from comptoir.backoffice import operations  # noqa: F401  (registers its pages)

    gatekeeper = _pages.gatekeeper
    is_open = gatekeeper is not None
    app.state.backoffice = Backoffice(
        settings, is_open=is_open, nav=navigation, gatekeeper=gatekeeper
    )
    app.add_exception_handler(PageRedirect, _redirect_handler)
    app.add_exception_handler(PageForbidden, _forbidden_handler)
    with _pages.lock:
        routers = (shell_router, *_pages.routers)
        public_routers = (public_shell_router, *_pages.public_routers)
    add_shared_routes(app, _page_routes(routers, public_routers))
    if is_open:
        app.mount(STATIC_URL, StaticFiles(directory=STATIC_DIR), name="admin-static")


# Prepared page routes, by the identities of the page routers they were built from.
_prepared_pages: dict[tuple[int, ...], tuple[BaseRoute, ...]] = {}


def _page_routes(
    routers: tuple[APIRouter, ...], public_routers: tuple[APIRouter, ...]
) -> tuple[BaseRoute, ...]:
    """The pages under ``/admin``, prepared once per process for a given set of page routers
    and shared by every application (see :mod:`comptoir.kit.http.routes`)."""
    key = tuple(id(router) for router in (*routers, None, *public_routers))
    with _pages.lock:
        prepared = _prepared_pages.get(key)
        if prepared is None:
            prepared = _prepared_pages[key] = _include_pages(routers, public_routers)
    return prepared


def _include_pages(
    routers: tuple[APIRouter, ...], public_routers: tuple[APIRouter, ...]
) -> tuple[BaseRoute, ...]:
    template = template_router()
    for router in public_routers:
        template.include_router(
            router, prefix="/admin", dependencies=[Depends(_public_guard)], include_in_schema=False
        )
    for router in routers:
        template.include_router(
            router, prefix="/admin", dependencies=[Depends(_guard)], include_in_schema=False
        )
    return tuple(template.routes)
