from tests.permissions_kit import allow

ROUTES = {
    "reports.create_report": allow("owner", "manager"),
    "reports.list_reports": allow("owner", "manager", "client_member"),
    "reports.get_report": allow("owner", "manager", "client_member"),
    "reports.report_html": allow("owner", "manager", "client_member"),
    "reports.report_csv": allow("owner", "manager", "client_member"),
    "reports.list_schedules": allow("owner", "manager"),
    "reports.put_schedule": allow("owner", "manager"),
}


def url_args(world, factory):
    import datetime as dt

    from smmflow.reports.models import Report

    report = Report(client_id=world.client_a.id, period="custom",
                    starts_on=dt.date(2026, 1, 1), ends_on=dt.date(2026, 1, 31), data={},
                    html="<p>r</p>", csv="a,b\n")
    factory.db.add(report)
    factory.db.commit()
    return {"report_id": report.id}
