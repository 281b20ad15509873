"""JWTs carry organization_id, role and plan_type as claims (the seed's token payload)."""

from rest_framework_simplejwt.tokens import RefreshToken

from tenants.models import User


def tokens_for(user: User) -> dict[str, str]:
    refresh = RefreshToken.for_user(user)
    org = user.organization
    refresh["organization_id"] = str(org.pk) if org else None
    refresh["role"] = user.role
    refresh["plan_type"] = org.plan_type if org else None
    refresh["is_staff"] = user.is_staff
    return {"token": str(refresh.access_token), "refresh": str(refresh)}


def user_payload(user: User) -> dict:
    org = user.organization
    return {
        "id": str(user.pk),
        "email": user.email,
        "full_name": user.full_name,
        "role": user.role,
        "organization_id": str(org.pk) if org else None,
        "plan_type": org.plan_type if org else None,
    }


def auth_response(user: User) -> dict:
    return {**tokens_for(user), "user": user_payload(user)}
