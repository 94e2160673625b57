from django.db import migrations

# The history is append-only, and a proposer never co-signs their own proposal:
# both are said by the database too, not only by the services.
FORBID = """
CREATE FUNCTION participation_history_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'participation_proposalevent is append-only (% refused)', TG_OP;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER participation_history_append_only
    BEFORE UPDATE OR DELETE ON participation_proposalevent
    FOR EACH ROW EXECUTE FUNCTION participation_history_append_only();

CREATE FUNCTION participation_no_self_cosignature() RETURNS trigger AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM participation_proposal
               WHERE id = NEW.proposal_id AND proposer_id = NEW.member_id) THEN
        RAISE EXCEPTION 'a proposer cannot co-sign their own proposal'
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER participation_no_self_cosignature
    BEFORE INSERT OR UPDATE ON participation_cosignature
    FOR EACH ROW EXECUTE FUNCTION participation_no_self_cosignature();
"""

ALLOW = """
DROP TRIGGER participation_no_self_cosignature ON participation_cosignature;
DROP FUNCTION participation_no_self_cosignature();
DROP TRIGGER participation_history_append_only ON participation_proposalevent;
DROP FUNCTION participation_history_append_only();
"""


class Migration(migrations.Migration):
    dependencies = [("participation", "0001_initial")]
    operations = [migrations.RunSQL(FORBID, ALLOW)]
