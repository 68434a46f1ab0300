from tests.permissions_kit import allow

ROUTES = {
    "budgets.budget_status": allow("owner", "manager"),
    "budgets.list_revenues": allow("owner", "manager"),
    "budgets.create_revenue": allow("owner", "manager"),
}
