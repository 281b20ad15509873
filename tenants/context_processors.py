from django.http import HttpRequest

from tenants.plans import PLANS


def organization(request: HttpRequest) -> dict:
    org = getattr(request, "organization", None)
    return {"organization": org, "plan": PLANS.get(org.plan_type) if org else None}
