"""Auth API: register, login, refresh (rotating), logout (blacklists the refresh token)."""

from django.contrib.auth.signals import user_logged_in
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework_simplejwt.exceptions import InvalidToken, TokenError
from rest_framework_simplejwt.views import TokenRefreshView

from core.client_ip import client_ip
from core.errors import ValidationFailed
from core.openapi import ErrorResponse
from core.pagination import PAGE_PARAMETERS, page_fields, page_of
from core.throttles import ScopedThrottle
from core.web import json_object, parse_limit
from tenants import selectors, services, tokens
from tenants.api_base import PrincipalAPIView, PublicAPIView, TenantAPIView
from tenants.plans import plan_choices
from tenants.roles import ADMINS, MEMBERS
from tenants.tokens import auth_response


class RegisterSerializer(serializers.Serializer):
    company_name = serializers.CharField()
    company_email = serializers.EmailField()
    full_name = serializers.CharField()
    email = serializers.EmailField()
    password = serializers.CharField(write_only=True)
    plan_type = serializers.ChoiceField(choices=[])  # the plan table's keys, read per instance
    phone = serializers.CharField(required=False, allow_blank=True)
    billing_address = serializers.CharField(required=False, allow_blank=True)
    timezone = serializers.CharField(required=False, allow_blank=True,
                                     help_text="IANA name (America/Chicago); UTC when absent or blank, 400 when unknown.")

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["plan_type"].choices = plan_choices()


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


class AuthThrottled(PublicAPIView):
    throttle_classes = [ScopedThrottle]
    throttle_scope = "auth"


PlanChangeRequestOut = inline_serializer(
    "PlanChangeRequestOut",
    {"id": serializers.UUIDField(), "from_plan": serializers.CharField(), "to_plan": serializers.CharField(),
     "status": serializers.CharField(), "message": serializers.CharField()},
    required=False,  # present only when a paid plan was chosen
)
RegisterResponse = inline_serializer(
    "RegisterResponse",
    {"token": serializers.CharField(), "refresh": serializers.CharField(), "user": AuthResponse.fields["user"],
     "plan_change_request": PlanChangeRequestOut},
)


class RegisterView(AuthThrottled):
    """Sign-up. A paid plan_type starts the organization on the free plan with a pending
    plan-change request for OI to confirm (the response's `plan_change_request`, present only
    then); `user.plan_type` is the plan the organization is on."""

    throttle_scope = "register"

    @extend_schema(request=RegisterSerializer, responses={201: RegisterResponse, 409: ErrorResponse}, tags=["auth"])
    def post(self, request: Request) -> Response:
        sign_up = services.organization_sign_up(data=json_object(request), ip_address=client_ip(request))
        body = auth_response(sign_up.user)
        req = sign_up.plan_request
        if req is not None:
            body["plan_change_request"] = {
                "id": str(req.pk), "from_plan": req.from_plan, "to_plan": req.to_plan, "status": req.status,
                "message": services.sign_up_message(sign_up),
            }
        return Response(body, status=status.HTTP_201_CREATED)


class LoginView(AuthThrottled):
    @extend_schema(request=LoginSerializer, responses={200: AuthResponse, 401: ErrorResponse}, tags=["auth"])
    def post(self, request: Request) -> Response:
        data = json_object(request)
        user = services.auth_check_credentials(
            request=request._request, email=data.get("email"), password=data.get("password")
        )
        # A token login is a login: the receivers run as for /login (tenants.signals counts it,
        # django-axes resets the failure count).
        user_logged_in.send(sender=type(user), request=request._request, user=user)
        return Response(auth_response(user))


class RefreshSerializer(serializers.Serializer):
    refresh = serializers.CharField()
    access = serializers.CharField(read_only=True)

    def validate(self, attrs: dict) -> dict:
        return tokens.refresh_rotate(attrs["refresh"])


class RefreshView(PublicAPIView, TokenRefreshView):
    """Rotates the refresh token; a rotated token presented again revokes its whole family."""

    throttle_classes = [ScopedThrottle]
    throttle_scope = "auth"
    serializer_class = RefreshSerializer

    @extend_schema(responses={200: RefreshSerializer, 401: ErrorResponse}, tags=["auth"])
    def post(self, request: Request, *args, **kwargs) -> Response:
        return super().post(request, *args, **kwargs)


class LogoutView(PrincipalAPIView):
    """Any signed-in user, staff and members of a suspended organization included."""

    @extend_schema(
        request=inline_serializer("LogoutRequest", {"refresh": serializers.CharField()}),
        responses={205: None},
        tags=["auth"],
    )
    def post(self, request: Request) -> Response:
        data = json_object(request)
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


class TeamView(TenantAPIView):
    write_access = ADMINS

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
        org = self.organization
        users, paging = page_of(selectors.user_list(organization=org), request, self)
        return Response({**selectors.team_usage(organization=org), **paging,
                         "users": TeamMemberSerializer(users, many=True).data})

    @extend_schema(request=TeamInput, responses={201: TeamMemberSerializer, 409: ErrorResponse}, tags=["team"])
    def post(self, request: Request) -> Response:
        data = json_object(request)
        user = services.team_invite(
            organization=self.organization, actor=request.user, email=data.get("email"),
            full_name=data.get("full_name") or "", role=data.get("role") or "Viewer",
        )
        return Response(TeamMemberSerializer(user).data, status=status.HTTP_201_CREATED)


class TeamMemberView(TenantAPIView):
    write_access = ADMINS

    @extend_schema(request=TeamPatch, responses={200: TeamMemberSerializer, 409: ErrorResponse}, tags=["team"])
    def patch(self, request: Request, user_id: str) -> Response:
        data = json_object(request)
        unknown = sorted(set(data) - {"role", "status"})
        if unknown:
            raise ValidationFailed({key: "Unknown field." for key in unknown})
        user = services.team_update(
            organization=self.organization, actor=request.user, user_id=user_id,
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


class ActivityTrackView(TenantAPIView):
    write_access = MEMBERS  # a Viewer's share click is logged too; it changes no content

    @extend_schema(
        request=inline_serializer("ActivityTrack", {
            "action": serializers.CharField(), "entity_type": serializers.CharField(),
            "entity_id": serializers.UUIDField(), "metadata": serializers.DictField(required=False)}),
        responses={201: ActivityItem},
        tags=["activity"],
    )
    def post(self, request: Request) -> Response:
        data = json_object(request)
        unknown = sorted(set(data) - {"action", "entity_type", "entity_id", "metadata"})
        if unknown:
            raise ValidationFailed({key: "Unknown field." for key in unknown})
        row = services.activity_track(
            organization=self.organization, actor=request.user, action=data.get("action"),
            entity_type=data.get("entity_type"), entity_id=data.get("entity_id"),
            metadata=data.get("metadata"), ip_address=client_ip(request),
        )
        return Response(
            {"action": row.action, "entity_type": row.entity_type, "entity_id": row.entity_id,
             "created_at": row.created_at, "user_name": request.user.full_name, "metadata": row.metadata},
            status=status.HTTP_201_CREATED,
        )


class ActivityRecentView(TenantAPIView):
    MAX_LIMIT = 100

    @extend_schema(
        parameters=[OpenApiParameter("limit", int, description=f"1 to {MAX_LIMIT}, default 10")],
        description="The newest `limit` items as a plain list (the seed's shape): bounded by `limit`, not paginated.",
        responses={200: ActivityItemList}, tags=["activity"],
    )
    def get(self, request: Request) -> Response:
        limit = parse_limit(request.query_params.get("limit"), default=10, maximum=self.MAX_LIMIT)
        return Response(selectors.activity_recent(organization=self.organization, limit=limit))
