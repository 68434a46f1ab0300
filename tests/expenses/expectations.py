from tests.permissions_kit import allow

ROUTES = {
    "expenses.list_expenses": allow("owner", "manager"),
    "expenses.create_expense": allow("owner", "manager"),
    "expenses.get_expense": allow("owner", "manager"),
    "expenses.delete_expense": allow("owner", "manager"),
}


def url_args(world, factory):
    return {"expense_id": factory.expense(world.client_a).id}
