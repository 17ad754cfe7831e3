"""The download trail is append-only in the database (the kernel's generic trigger)."""

from django.db import migrations

APPEND_ONLY_SQL = """
CREATE TRIGGER documents_documentaccess_append_only
    BEFORE UPDATE OR DELETE ON documents_documentaccess
    FOR EACH ROW EXECUTE FUNCTION consorcio_refuse_append_only_change();
"""
REVERSE_SQL = (
    "DROP TRIGGER IF EXISTS documents_documentaccess_append_only ON documents_documentaccess;"
)


class Migration(migrations.Migration):
    dependencies = [
        ("documents", "0001_initial"),
        ("consorcio", "0004_personal_data_access_append_only"),
    ]

    operations = [migrations.RunSQL(APPEND_ONLY_SQL, REVERSE_SQL)]
