"""Auth API: register, login, refresh (rotating), logout (blacklists the refresh token)."""

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.tokens import RefreshToken
from rest_framework_simplejwt.views import TokenRefreshView

from outbound_impact.client_ip import client_ip
from tenants import services
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
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "auth"


class RegisterView(AuthThrottled):
    @extend_schema(request=RegisterSerializer, responses={201: AuthResponse}, tags=["auth"])
    def post(self, request: Request) -> Response:
        user = services.organization_register(data=_json_object(request), ip_address=client_ip(request))
        return Response(auth_response(user), status=status.HTTP_201_CREATED)


class LoginView(AuthThrottled):
    @extend_schema(request=LoginSerializer, responses={200: AuthResponse}, tags=["auth"])
    def post(self, request: Request) -> Response:
        data = _json_object(request)
        user = services.auth_check_credentials(email=data.get("email"), password=data.get("password"))
        services.user_login_record(user=user, ip_address=client_ip(request))
        return Response(auth_response(user))


class RefreshView(TokenRefreshView):
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "auth"


class LogoutView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        request=inline_serializer("LogoutRequest", {"refresh": serializers.CharField()}),
        responses={205: None},
        tags=["auth"],
    )
    def post(self, request: Request) -> Response:
        data = _json_object(request)
        try:
            RefreshToken(data.get("refresh") or "").blacklist()
        except TokenError as e:
            raise ValidationFailed({"refresh": str(e)}, code="invalid_token") from e
        return Response(status=status.HTTP_205_RESET_CONTENT)
