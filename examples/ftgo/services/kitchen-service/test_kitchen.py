import unittest

import kitchen

CREATE = {"orderId": 3, "restaurantId": 1, "lineItems": [{"menuItemId": "samosa", "quantity": 1, "price": 4}]}


class KitchenTest(unittest.TestCase):
    def test_create_then_confirm(self):
        tickets = {}
        changed, replies = kitchen.handle(tickets, "CreateTicket", CREATE)
        self.assertTrue(changed)
        self.assertEqual(tickets["3"]["state"], "CREATE_PENDING")
        self.assertEqual(replies[0]["type"], "TicketCreated")
        kitchen.handle(tickets, "ConfirmCreateTicket", {"orderId": 3})
        self.assertEqual(tickets["3"]["state"], "AWAITING_ACCEPTANCE")

    def test_cancel_compensates_a_pending_ticket(self):
        tickets = {}
        kitchen.handle(tickets, "CreateTicket", CREATE)
        changed, replies = kitchen.handle(tickets, "CancelCreateTicket", {"orderId": 3})
        self.assertTrue(changed)
        self.assertEqual(tickets["3"]["state"], "CANCELLED")
        self.assertEqual(replies[0]["type"], "TicketCancelled")

    def test_commands_are_idempotent(self):
        tickets = {}
        kitchen.handle(tickets, "CreateTicket", CREATE)
        changed, replies = kitchen.handle(tickets, "CreateTicket", CREATE)
        self.assertFalse(changed)
        self.assertEqual(replies[0]["type"], "TicketCreated")
        kitchen.handle(tickets, "ConfirmCreateTicket", {"orderId": 3})
        changed, _ = kitchen.handle(tickets, "ConfirmCreateTicket", {"orderId": 3})
        self.assertFalse(changed)
        changed, _ = kitchen.handle(tickets, "CancelCreateTicket", {"orderId": 3})
        self.assertFalse(changed)
        self.assertEqual(tickets["3"]["state"], "AWAITING_ACCEPTANCE")


if __name__ == "__main__":
    unittest.main()
