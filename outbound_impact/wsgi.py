import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "outbound_impact.settings")
application = get_wsgi_application()

# What the process has loaded by now (Django, the apps, their libraries: ~130k objects) lives as
# long as the process. Freezing it keeps the collector's full passes to what requests allocate:
# without it, about one dashboard request in 80 paid a 60-90 ms full collection (bench/dashboard.py
# freezes the same way before it measures).
gc.freeze()
