from django.db import migrations

FORBID = """
CREATE FUNCTION grievances_history_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'grievances_grievanceevent is append-only (% refused)', TG_OP;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER grievances_history_append_only
    BEFORE UPDATE OR DELETE ON grievances_grievanceevent
    FOR EACH ROW EXECUTE FUNCTION grievances_history_append_only();
"""

ALLOW = """
DROP TRIGGER grievances_history_append_only ON grievances_grievanceevent;
DROP FUNCTION grievances_history_append_only();
"""


class Migration(migrations.Migration):
    dependencies = [("grievances", "0001_initial")]
    operations = [migrations.RunSQL(FORBID, ALLOW)]
