"""Bulk seeding's allocation: the largest tenant keeps its share when the scale grows, so the
10x database's largest tenant is ten times the seed's (the dashboard aims are about it)."""

import random

from demo.distributions import LARGEST_WEIGHT, PER_ORG, PLAN_MIX, allocate
from tenants.plans import ENTERPRISE


def orgs_at(factor: int) -> list[dict]:
    orgs = [{"plan": ENTERPRISE, "largest": True, "scale": factor}]
    for plan, count in PLAN_MIX:
        orgs += [{"plan": plan, "largest": False} for _ in range(count * factor)]
    return orgs


def test_largest_tenant_grows_with_the_scale():
    for key in LARGEST_WEIGHT:
        seed = allocate(random.Random(1), 10_000, orgs_at(1), key)
        ten = allocate(random.Random(1), 100_000, orgs_at(10), key)
        assert sum(seed) == 10_000 and sum(ten) == 100_000
        assert ten[0] == max(ten) and seed[0] == max(seed)
        assert 8 * seed[0] <= ten[0] <= 12 * seed[0], key  # ~10x, give or take the capped plans' draws
        for o, n in zip(orgs_at(10), ten, strict=True):  # capped plans stay within their ranges
            low, high = PER_ORG[key].get(o["plan"], (0, None))
            assert n >= low and (high is None or n <= high)
