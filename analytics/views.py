from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from tenants.decorators import tenant_required


@tenant_required
def dashboard(request: HttpRequest) -> HttpResponse:
    return render(request, "analytics/dashboard.html", {})
