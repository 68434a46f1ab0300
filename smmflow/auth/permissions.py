"""Route permissions: deny unless a declared rule allows.

Every view declares one :class:`Rule` with :func:`requires`. Before each
request the app looks up the rule of the matched endpoint; a route without a
rule is refused (403) and a test fails for it. Rules see the principal (a
:class:`~smmflow.auth.models.User` or ``None``) and the URL arguments; rules
about one client find the client through a resolver, so object routes
(``/social-accounts/<id>``) are checked against the object's client.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from smmflow.auth.models import User, UserRole
from smmflow.clients.models import Membership
from smmflow.errors import NotFound

F = TypeVar("F", bound=Callable[..., Any])
Principal = User | None
ClientResolver = Callable[[Session, Mapping[str, Any]], int | None]
RULE_ATTRIBUTE = "_smmflow_rule"


@dataclass(frozen=True)
class Rule:
    """A named predicate over (session, principal, URL arguments)."""

    name: str
    check: Callable[[Session, Principal, Mapping[str, Any]], bool]
    authenticated: bool = True

    def allows(self, db: Session, principal: Principal, args: Mapping[str, Any]) -> bool:
        if self.authenticated and principal is None:
            return False
        return self.check(db, principal, args)


def requires(rule: Rule) -> Callable[[F], F]:
    """Declare the permission of a view function."""

    def decorate(view: F) -> F:
        setattr(view, RULE_ATTRIBUTE, rule)
        return view

    return decorate


def rule_of(view: Callable[..., Any]) -> Rule | None:
    return getattr(view, RULE_ATTRIBUTE, None)


PUBLIC = Rule("public", lambda db, p, a: True, authenticated=False)
AUTHENTICATED = Rule("authenticated", lambda db, p, a: True)
OWNER = Rule("owner", lambda db, p, a: p is not None and p.is_owner)
STAFF = Rule("staff", lambda db, p, a: p is not None and p.role in (UserRole.OWNER, UserRole.STAFF))


def member_roles(db: Session, user: User, client_id: int) -> set[str]:
    """The roles ``user`` holds for one client."""
    return set(
        db.scalars(
            select(Membership.role).where(
                Membership.user_id == user.id, Membership.client_id == client_id
            )
        )
    )


def visible_client_ids(db: Session, user: User, roles: Iterable[str] | None = None) -> list[int]:
    """Clients where ``user`` holds one of ``roles`` (any role when None)."""
    stmt = select(Membership.client_id).where(Membership.user_id == user.id)
    if roles is not None:
        stmt = stmt.where(Membership.role.in_(list(roles)))
    return list(db.scalars(stmt))


def is_manager_anywhere(db: Session, user: User) -> bool:
    return bool(visible_client_ids(db, user, ["manager"]))


def from_arg(name: str = "client_id") -> ClientResolver:
    """Resolve the client id straight from a URL argument."""
    return lambda db, args: args.get(name)


def via_model(model: Any, arg: str, column: str = "client_id") -> ClientResolver:
    """Resolve the client id by loading ``model.<column>`` for the id in URL ``arg``."""

    def resolve(db: Session, args: Mapping[str, Any]) -> int | None:
        return db.scalar(select(getattr(model, column)).where(model.id == args.get(arg)))

    return resolve


def client_role(*roles: str, resolver: ClientResolver | None = None, owner: bool = True,
                name: str | None = None) -> Rule:
    """Allowed for the owner (unless ``owner=False``) and members with one of ``roles``.

    A resolver that finds no client raises 404: the object does not exist.
    """
    resolve = resolver or from_arg()

    def check(db: Session, principal: Principal, args: Mapping[str, Any]) -> bool:
        assert principal is not None
        client_id = resolve(db, args)
        if client_id is None:
            raise NotFound("not found")
        if owner and principal.is_owner:
            return True
        if principal.is_contractor:
            return False
        return bool(member_roles(db, principal, client_id) & set(roles))

    return Rule(name or f"client:{'|'.join(roles) or 'owner'}", check)


def any_of(*rules: Rule, name: str | None = None) -> Rule:
    """Allowed when one of ``rules`` allows."""

    def check(db: Session, principal: Principal, args: Mapping[str, Any]) -> bool:
        return any(r.allows(db, principal, args) for r in rules)

    return Rule(name or " or ".join(r.name for r in rules), check,
                authenticated=all(r.authenticated for r in rules))


def custom(name: str, check: Callable[[Session, Principal, Mapping[str, Any]], bool]) -> Rule:
    """A rule with its own predicate, for the few routes that need one."""
    return Rule(name, check)
