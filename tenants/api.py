"""Auth API: register, login, refresh (rotating), logout (blacklists the refresh token)."""

from django.contrib.auth.signals import user_logged_in
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework_simplejwt.exceptions import InvalidToken, TokenError
from rest_framework_simplejwt.views import TokenRefreshView

from outbound_impact.client_ip import client_ip
from outbound_impact.hardening import ScopedThrottle
from outbound_impact.openapi import ErrorResponse
from outbound_impact.pagination import PAGE_PARAMETERS, page_fields, page_of
from tenants import selectors, services, tokens
from tenants.errors import ValidationFailed
from tenants.tokens import auth_response


class RegisterSerializer(serializers.Serializer):
    company_name = serializers.CharField()
    company_email = serializers.EmailField()
    full_name = serializers.CharField()
    email = serializers.EmailField()
    password = serializers.CharField(write_only=True)
    plan_type = serializers.ChoiceField(choices=["small_business", "medium_business", "enterprise"])
    phone = serializers.CharField(required=False, allow_blank=True)
    billing_address = serializers.CharField(required=False, allow_blank=True)


class LoginSerializer(serializers.Serializer):
    email = serializers.CharField()
    password = serializers.CharField(write_only=True)


AuthResponse = inline_serializer(
    "AuthResponse",
    {
        "token": serializers.CharField(),
        "refresh": serializers.CharField(),
        "user": inline_serializer(
            "AuthUser",
            {
                "id": serializers.UUIDField(),
                "email": serializers.EmailField(),
                "full_name": serializers.CharField(),
                "role": serializers.CharField(),
                "organization_id": serializers.UUIDField(allow_null=True),
                "plan_type": serializers.CharField(allow_null=True),
            },
        ),
    },
)


def _json_object(request: Request) -> dict:
    if not isinstance(request.data, dict):
        raise ValidationFailed("Send a JSON object.", code="invalid_body")
    return dict(request.data)


class AuthThrottled(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes = [ScopedThrottle]
    throttle_scope = "auth"


class RegisterView(AuthThrottled):
    throttle_scope = "register"

    @extend_schema(request=RegisterSerializer, responses={201: AuthResponse, 409: ErrorResponse}, tags=["auth"])
    def post(self, request: Request) -> Response:
        user = services.organization_register(data=_json_object(request), ip_address=client_ip(request))
        return Response(auth_response(user), status=status.HTTP_201_CREATED)


class LoginView(AuthThrottled):
    @extend_schema(request=LoginSerializer, responses={200: AuthResponse, 401: ErrorResponse}, tags=["auth"])
    def post(self, request: Request) -> Response:
        data = _json_object(request)
        user = services.auth_check_credentials(
            request=request._request, email=data.get("email"), password=data.get("password")
        )
        services.user_login_record(user=user, ip_address=client_ip(request))
        # A token login is a login: receivers (django-axes resets the failure count) run as for /login.
        user_logged_in.send(sender=type(user), request=request._request, user=user)
        return Response(auth_response(user))


class RefreshSerializer(serializers.Serializer):
    refresh = serializers.CharField()
    access = serializers.CharField(read_only=True)

    def validate(self, attrs: dict) -> dict:
        return tokens.refresh_rotate(attrs["refresh"])


class RefreshView(TokenRefreshView):
    """Rotates the refresh token; a rotated token presented again revokes its whole family."""

    throttle_classes = [ScopedThrottle]
    throttle_scope = "auth"
    serializer_class = RefreshSerializer

    @extend_schema(responses={200: RefreshSerializer, 401: ErrorResponse}, tags=["auth"])
    def post(self, request: Request, *args, **kwargs) -> Response:
        return super().post(request, *args, **kwargs)


class LogoutView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        request=inline_serializer("LogoutRequest", {"refresh": serializers.CharField()}),
        responses={205: None},
        tags=["auth"],
    )
    def post(self, request: Request) -> Response:
        data = _json_object(request)
        raw = data.get("refresh")
        if not isinstance(raw, str) or not raw:
            raise ValidationFailed({"refresh": "The refresh token to revoke is required."}, code="invalid_token")
        try:
            tokens.logout_revoke(user=request.user, raw=raw)
        except (TokenError, InvalidToken) as e:
            detail = e.detail.get("detail", str(e)) if isinstance(getattr(e, "detail", None), dict) else str(e)
            raise ValidationFailed({"refresh": str(detail)}, code="invalid_token") from e
        return Response(status=status.HTTP_205_RESET_CONTENT)


# --- Team and activity -----------------------------------------------------------------------


class TeamMemberSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    email = serializers.EmailField()
    full_name = serializers.CharField()
    role = serializers.CharField()
    status = serializers.CharField()
    last_login_at = serializers.DateTimeField(allow_null=True)
    created_at = serializers.DateTimeField()


TeamInput = inline_serializer(
    "TeamInvite",
    {"email": serializers.EmailField(), "full_name": serializers.CharField(required=False),
     "role": serializers.ChoiceField(choices=["Admin", "Editor", "Viewer"], required=False)},
)
TeamPatch = inline_serializer(
    "TeamPatch",
    {"role": serializers.ChoiceField(choices=["Admin", "Editor", "Viewer"], required=False),
     "status": serializers.ChoiceField(choices=["active", "deactivated"], required=False)},
)


class TeamView(APIView):
    @extend_schema(
        parameters=PAGE_PARAMETERS,
        responses={200: inline_serializer("Team", {
            "contributors_used": serializers.IntegerField(),
            "max_contributors": serializers.IntegerField(allow_null=True),
            **page_fields(),
            "users": TeamMemberSerializer(many=True)})},
        tags=["team"],
    )
    def get(self, request: Request) -> Response:
        org = request.organization
        users, paging = page_of(selectors.user_list(organization=org), request, self)
        return Response({**selectors.team_usage(organization=org), **paging,
                         "users": TeamMemberSerializer(users, many=True).data})

    @extend_schema(request=TeamInput, responses={201: TeamMemberSerializer, 409: ErrorResponse}, tags=["team"])
    def post(self, request: Request) -> Response:
        data = _json_object(request)
        user = services.team_invite(
            organization=request.organization, actor=request.user, email=data.get("email"),
            full_name=data.get("full_name") or "", role=data.get("role") or "Viewer",
        )
        return Response(TeamMemberSerializer(user).data, status=status.HTTP_201_CREATED)


class TeamMemberView(APIView):
    @extend_schema(request=TeamPatch, responses={200: TeamMemberSerializer, 409: ErrorResponse}, tags=["team"])
    def patch(self, request: Request, user_id: str) -> Response:
        data = _json_object(request)
        unknown = sorted(set(data) - {"role", "status"})
        if unknown:
            raise ValidationFailed({key: "Unknown field." for key in unknown})
        user = services.team_update(
            organization=request.organization, actor=request.user, user_id=user_id,
            role=data.get("role"), status=data.get("status"),
        )
        return Response(TeamMemberSerializer(user).data)


ActivityItem = inline_serializer(
    "ActivityItem",
    {"action": serializers.CharField(), "entity_type": serializers.CharField(),
     "entity_id": serializers.CharField(), "created_at": serializers.DateTimeField(),
     "user_name": serializers.CharField(), "metadata": serializers.DictField()},
)


ActivityItemList = inline_serializer(
    "ActivityItemList",
    {"action": serializers.CharField(), "entity_type": serializers.CharField(),
     "entity_id": serializers.CharField(), "created_at": serializers.DateTimeField(),
     "user_name": serializers.CharField(), "metadata": serializers.DictField()},
    many=True,
)


class ActivityTrackView(APIView):
    @extend_schema(
        request=inline_serializer("ActivityTrack", {
            "action": serializers.CharField(), "entity_type": serializers.CharField(),
            "entity_id": serializers.UUIDField(), "metadata": serializers.DictField(required=False)}),
        responses={201: ActivityItem},
        tags=["activity"],
    )
    def post(self, request: Request) -> Response:
        data = _json_object(request)
        unknown = sorted(set(data) - {"action", "entity_type", "entity_id", "metadata"})
        if unknown:
            raise ValidationFailed({key: "Unknown field." for key in unknown})
        row = services.activity_track(
            organization=request.organization, actor=request.user, action=data.get("action"),
            entity_type=data.get("entity_type"), entity_id=data.get("entity_id"),
            metadata=data.get("metadata"), ip_address=client_ip(request),
        )
        return Response(
            {"action": row.action, "entity_type": row.entity_type, "entity_id": row.entity_id,
             "created_at": row.created_at, "user_name": request.user.full_name, "metadata": row.metadata},
            status=status.HTTP_201_CREATED,
        )


class ActivityRecentView(APIView):
    MAX_LIMIT = 100

    @extend_schema(
        parameters=[OpenApiParameter("limit", int, description=f"1 to {MAX_LIMIT}, default 10")],
        description="The newest `limit` items as a plain list (the seed's shape): bounded by `limit`, not paginated.",
        responses={200: ActivityItemList}, tags=["activity"],
    )
    def get(self, request: Request) -> Response:
        raw = request.query_params.get("limit", "10")
        try:
            limit = int(raw)
        except ValueError:
            limit = 0
        if not 1 <= limit <= self.MAX_LIMIT:
            raise ValidationFailed({"limit": f"A whole number from 1 to {self.MAX_LIMIT}."})
        return Response(selectors.activity_recent(organization=request.organization, limit=limit))
