"""A separate process that tries to reserve one quota, for the race between real processes.

Run as ``python -m tests.groups.sale_worker <user_pk> <group_pk> <member_pk> <number> <go_file>``
with ``SALE_TEST_DB_NAME`` set to the test database. Prints one JSON line: ``won`` with the
version id, or ``refused`` with the error code.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path


def main() -> None:
    import django
    from django.conf import settings

    settings.DATABASES["default"]["NAME"] = os.environ["SALE_TEST_DB_NAME"]
    django.setup()
    from apps.accounts.models import User
    from apps.groups.models import ConsortiumGroup
    from apps.groups.services import sales
    from apps.groups.services.quota_errors import QuotaNotAvailable
    from apps.members.models import Member

    user_pk, group_pk, member_pk, number, go_file = sys.argv[1:]
    user = User.objects.get(pk=user_pk)
    group = ConsortiumGroup.objects.get(pk=group_pk)
    member = Member.objects.get(pk=member_pk)
    print(json.dumps({"event": "ready"}), flush=True)
    deadline = time.monotonic() + 30
    while not Path(go_file).exists() and time.monotonic() < deadline:
        time.sleep(0.002)
    try:
        version = sales.reserve_quota(actor=user, group=group, member=member, number=int(number))
        print(json.dumps({"event": "won", "version_id": version.pk}), flush=True)
    except QuotaNotAvailable as refusal:
        print(json.dumps({"event": "refused", "code": refusal.code}), flush=True)


if __name__ == "__main__":
    main()
