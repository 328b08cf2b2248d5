import unittest

import saga


def new_order(**overrides):
    body = {"consumerId": 1, "lineItems": [{"menuItemId": "chicken-vindaloo", "quantity": 2, "price": 12.5}]}
    body.update(overrides)
    return saga.create_order(7, body)


def types(messages):
    return [m["type"] for m in messages]


class CreateOrderSagaTest(unittest.TestCase):
    def test_a_new_order_is_pending_and_asks_the_consumer_service(self):
        order, messages = new_order()
        self.assertEqual(order["state"], "APPROVAL_PENDING")
        self.assertEqual(order["orderTotal"], 25.0)
        self.assertEqual(types(messages), ["OrderCreated", "ValidateOrderByConsumer"])
        self.assertEqual(messages[1]["topic"], saga.CONSUMER_COMMANDS)

    def test_the_happy_path_ends_approved(self):
        order, _ = new_order()
        sent = []
        for reply in ["ConsumerVerified", "TicketCreated", "CardAuthorized", "TicketConfirmed"]:
            sent += saga.on_reply(order, reply, {})
        self.assertEqual(types(sent), ["CreateTicket", "AuthorizeCard", "ConfirmCreateTicket", "OrderApproved"])
        self.assertEqual(order["state"], "APPROVED")

    def test_an_invalid_consumer_rejects_the_order(self):
        order, _ = new_order()
        sent = saga.on_reply(order, "ConsumerVerificationFailed", {"reason": "consumer 99 not found"})
        self.assertEqual(types(sent), ["OrderRejected"])
        self.assertEqual(order["state"], "REJECTED")
        self.assertEqual(order["rejectionReason"], "consumer 99 not found")

    def test_a_declined_card_cancels_the_ticket_then_rejects(self):
        order, _ = new_order()
        saga.on_reply(order, "ConsumerVerified", {})
        saga.on_reply(order, "TicketCreated", {})
        sent = saga.on_reply(order, "CardAuthorizationFailed", {"reason": "card disabled"})
        self.assertEqual(types(sent), ["CancelCreateTicket"])
        self.assertEqual(order["state"], "APPROVAL_PENDING")
        sent = saga.on_reply(order, "TicketCancelled", {})
        self.assertEqual(types(sent), ["OrderRejected"])
        self.assertEqual(order["rejectionReason"], "card disabled")

    def test_a_redelivered_reply_changes_nothing(self):
        order, _ = new_order()
        saga.on_reply(order, "ConsumerVerified", {})
        before = dict(order)
        self.assertEqual(saga.on_reply(order, "ConsumerVerified", {}), [])
        self.assertEqual(order, before)

    def test_bad_requests_are_refused(self):
        with self.assertRaises(ValueError):
            saga.create_order(1, {"consumerId": "x", "lineItems": [{"quantity": 1, "price": 1}]})
        with self.assertRaises(ValueError):
            saga.create_order(1, {"consumerId": 1, "lineItems": []})


if __name__ == "__main__":
    unittest.main()
