"""The ledger's commit-time balance check, set-based (one query per COMMIT, not per row).

0001_ledger checked each new transaction with its own query at COMMIT; a billing run or a bank
file posting 10,000 transactions paid 10,000 queries. Now:

- ``posted_xid`` is indexed, so the transactions a database transaction created are found
  directly;
- the deferred constraint trigger on headers checks **all** of them in one query on its first
  firing and records that in a transaction-local setting; later firings of the same COMMIT
  return at once; an INSERT of headers clears the setting (their events check again);
- entries inserted after such a check (an early ``SET CONSTRAINTS ALL IMMEDIATE``, with no new
  header to queue another) are checked by the entries' statement trigger right away;
- the id sequences hand out blocks of 100 per session.
"""

from django.db import migrations

COMMIT_CHECK_SQL = """
CREATE INDEX finance_ledgertransaction_posted_xid ON finance_ledgertransaction (posted_xid);
-- Ids in blocks per session: a batch of 10,000 postings does not pay 10,000 sequence locks.
ALTER TABLE finance_ledgertransaction ALTER COLUMN id SET CACHE 100;
ALTER TABLE finance_ledgerentry ALTER COLUMN id SET CACHE 100;

CREATE OR REPLACE FUNCTION finance_check_transaction_balanced() RETURNS trigger
LANGUAGE plpgsql SET enable_seqscan = off AS $$
DECLARE
    bad_id bigint;
    bad_lines bigint;
    bad_total numeric;
BEGIN
    IF current_setting('finance.ledger_checked', true) = pg_current_xact_id()::text THEN
        RETURN NULL;
    END IF;
    -- The headers of this database transaction by the posted_xid index, then each one's
    -- entries by the transaction_id index (never a scan of the whole ledger). EXECUTE plans
    -- it for the ledger as it is now, not as it was at the session's first commit.
    EXECUTE $q$
        WITH mine AS MATERIALIZED (
            SELECT id FROM finance_ledgertransaction WHERE posted_xid = pg_current_xact_id()
        )
        SELECT mine.id, s.lines, s.total
          FROM mine
          CROSS JOIN LATERAL (
              SELECT count(*) AS lines, coalesce(sum(e.amount), 0) AS total
                FROM finance_ledgerentry e WHERE e.transaction_id = mine.id
          ) s
         WHERE s.lines < 2 OR s.total <> 0
         LIMIT 1$q$ INTO bad_id, bad_lines, bad_total;
    IF bad_id IS NOT NULL THEN
        RAISE EXCEPTION 'lançamento contábil % desbalanceado: % partidas, soma %',
            bad_id, bad_lines, bad_total
            USING ERRCODE = 'check_violation', CONSTRAINT = 'finance_transaction_balanced';
    END IF;
    PERFORM set_config('finance.ledger_checked', pg_current_xact_id()::text, true);
    RETURN NULL;
END;
$$;

CREATE OR REPLACE FUNCTION finance_check_new_entries() RETURNS trigger
LANGUAGE plpgsql SET enable_seqscan = off AS $$
DECLARE
    bad record;
    misplaced boolean;
BEGIN
    -- One index lookup per new entry, whatever the statistics say: scalar subqueries are
    -- never turned into joins, and this function runs with enable_seqscan off. (A plan that
    -- walks the ledger once per entry, as the planner chose for a ledger it believed empty,
    -- turned a 10,000-posting batch into minutes.)
    SELECT EXISTS (
        SELECT 1
          FROM new_entries e
         WHERE (SELECT t.posted_xid FROM finance_ledgertransaction t
                 WHERE t.id = e.transaction_id) <> pg_current_xact_id()
            OR (SELECT t.group_id FROM finance_ledgertransaction t
                 WHERE t.id = e.transaction_id)
               <> (SELECT a.group_id FROM finance_ledgeraccount a WHERE a.id = e.account_id)
    ) INTO misplaced;
    IF misplaced THEN
        RAISE EXCEPTION 'partida fora do seu lançamento: só pode ser incluída na mesma '
            'transação que criou o lançamento, em conta do mesmo grupo'
            USING ERRCODE = 'check_violation', CONSTRAINT = 'finance_entries_same_posting';
    END IF;
    IF current_setting('finance.ledger_checked', true) = pg_current_xact_id()::text THEN
        -- The commit-time check already ran in this transaction (SET CONSTRAINTS ...
        -- IMMEDIATE) and no new header will queue another: check these transactions now.
        SELECT n.transaction_id AS id, s.lines, s.total INTO bad
          FROM (SELECT DISTINCT transaction_id FROM new_entries) n
          CROSS JOIN LATERAL (
              SELECT count(*) AS lines, coalesce(sum(e.amount), 0) AS total
                FROM finance_ledgerentry e WHERE e.transaction_id = n.transaction_id
          ) s
         WHERE s.lines < 2 OR s.total <> 0
         LIMIT 1;
        IF FOUND THEN
            RAISE EXCEPTION 'lançamento contábil % desbalanceado: % partidas, soma %',
                bad.id, bad.lines, bad.total
                USING ERRCODE = 'check_violation', CONSTRAINT = 'finance_transaction_balanced';
        END IF;
    END IF;
    RETURN NULL;
END;
$$;

CREATE FUNCTION finance_ledger_written() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM set_config('finance.ledger_checked', '', true);
    RETURN NULL;
END;
$$;
CREATE TRIGGER finance_ledgertransaction_written
    AFTER INSERT ON finance_ledgertransaction
    FOR EACH STATEMENT EXECUTE FUNCTION finance_ledger_written();
"""

# Back to 0001_ledger's per-row check.
COMMIT_CHECK_REVERSE_SQL = """
ALTER FUNCTION finance_check_transaction_balanced() RESET ALL;
ALTER FUNCTION finance_check_new_entries() RESET ALL;
DROP TRIGGER IF EXISTS finance_ledgerentry_written ON finance_ledgerentry;
DROP TRIGGER IF EXISTS finance_entries_balanced ON finance_ledgerentry;
DROP TRIGGER IF EXISTS finance_ledgertransaction_written ON finance_ledgertransaction;
DROP FUNCTION IF EXISTS finance_ledger_written();
DROP INDEX IF EXISTS finance_ledgertransaction_posted_xid;
ALTER TABLE finance_ledgertransaction ALTER COLUMN id SET CACHE 1;
ALTER TABLE finance_ledgerentry ALTER COLUMN id SET CACHE 1;
CREATE OR REPLACE FUNCTION finance_check_transaction_balanced() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    total numeric;
    lines integer;
BEGIN
    SELECT coalesce(sum(amount), 0), count(*) INTO total, lines
      FROM finance_ledgerentry WHERE transaction_id = NEW.id;
    IF lines < 2 OR total <> 0 THEN
        RAISE EXCEPTION 'lançamento contábil % desbalanceado: % partidas, soma %',
            NEW.id, lines, total
            USING ERRCODE = 'check_violation', CONSTRAINT = 'finance_transaction_balanced';
    END IF;
    RETURN NULL;
END;
$$;
CREATE OR REPLACE FUNCTION finance_check_new_entries() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (
        SELECT 1
          FROM new_entries e
          JOIN finance_ledgertransaction t ON t.id = e.transaction_id
          JOIN finance_ledgeraccount a ON a.id = e.account_id
         WHERE t.posted_xid <> pg_current_xact_id() OR a.group_id <> t.group_id
    ) THEN
        RAISE EXCEPTION 'partida fora do seu lançamento: só pode ser incluída na mesma '
            'transação que criou o lançamento, em conta do mesmo grupo'
            USING ERRCODE = 'check_violation', CONSTRAINT = 'finance_entries_same_posting';
    END IF;
    RETURN NULL;
END;
$$;
"""


class Migration(migrations.Migration):
    dependencies = [
        ("finance", "0003_billing_schedule"),
    ]

    operations = [
        migrations.RunSQL(COMMIT_CHECK_SQL, COMMIT_CHECK_REVERSE_SQL),
    ]
