"""Make the personal-data access log append-only in the database (consorcio.access_log).

The SQL is copied here, not imported, so this migration keeps meaning what it meant when it
was written even if ``consorcio.access_log`` changes later.
"""

from django.db import migrations

APPEND_ONLY_SQL = """
CREATE OR REPLACE FUNCTION consorcio_refuse_append_only_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% em %: tabela somente de inclusão (append-only)', TG_OP, TG_TABLE_NAME;
END;
$$;
CREATE TRIGGER consorcio_personaldataaccess_append_only
    BEFORE UPDATE OR DELETE ON consorcio_personaldataaccess
    FOR EACH ROW EXECUTE FUNCTION consorcio_refuse_append_only_change();
"""

APPEND_ONLY_REVERSE_SQL = """
DROP TRIGGER IF EXISTS consorcio_personaldataaccess_append_only ON consorcio_personaldataaccess;
DROP FUNCTION IF EXISTS consorcio_refuse_append_only_change();
"""


class Migration(migrations.Migration):
    dependencies = [
        ("consorcio", "0003_default_schedules"),
    ]

    operations = [
        migrations.RunSQL(APPEND_ONLY_SQL, APPEND_ONLY_REVERSE_SQL),
    ]
