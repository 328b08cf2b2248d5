"""The createOrder saga, as pure functions: no Kafka, no HTTP, no disk.

The orchestrator (order_service.py) feeds it replies and sends what it returns.
Steps, in order:
  ValidateOrderByConsumer -> CreateTicket -> AuthorizeCard (the pivot)
  -> ConfirmCreateTicket -> ApproveOrder
An invalid consumer ends in RejectOrder; a failed authorization runs
CancelCreateTicket (the compensation), then RejectOrder.
"""

CONSUMER_COMMANDS = "consumer-service-commands"
KITCHEN_COMMANDS = "kitchen-service-commands"
ACCOUNTING_COMMANDS = "accounting-service-commands"
REPLIES = "create-order-saga-replies"
ORDER_EVENTS = "order-events"

# step -> the replies it waits for
EXPECTED = {
    "validate_consumer": {"ConsumerVerified", "ConsumerVerificationFailed"},
    "create_ticket": {"TicketCreated", "TicketCreationFailed"},
    "authorize_card": {"CardAuthorized", "CardAuthorizationFailed"},
    "confirm_ticket": {"TicketConfirmed"},
    "cancel_ticket": {"TicketCancelled"},
}


def order_details(order):
    return {"orderId": order["id"], "consumerId": order["consumerId"],
            "restaurantId": order["restaurantId"], "lineItems": order["lineItems"],
            "orderTotal": order["orderTotal"]}


def command(topic, msg_type, order):
    return {"topic": topic, "type": msg_type, "key": str(order["id"]), "value": order_details(order)}


def event(msg_type, order, **extra):
    value = {"orderId": order["id"], "state": order["state"], **extra}
    return {"topic": ORDER_EVENTS, "type": msg_type, "key": str(order["id"]), "value": value}


def create_order(order_id, request):
    """Validates a POST /orders body; returns (order, messages) or raises ValueError."""
    consumer_id = request.get("consumerId")
    line_items = request.get("lineItems", [])
    if not isinstance(consumer_id, int):
        raise ValueError("consumerId must be an integer")
    if not isinstance(line_items, list) or not line_items:
        raise ValueError("lineItems must be a non-empty list")
    total = 0
    for item in line_items:
        if not isinstance(item, dict) or not isinstance(item.get("quantity"), int) \
                or not isinstance(item.get("price"), (int, float)) or item["quantity"] <= 0:
            raise ValueError("each line item needs a menuItemId, an integer quantity > 0 and a price")
        total += item["quantity"] * item["price"]
    order = {"id": order_id, "consumerId": consumer_id,
             "restaurantId": request.get("restaurantId", 1), "lineItems": line_items,
             "orderTotal": round(total, 2), "state": "APPROVAL_PENDING",
             "sagaStep": "validate_consumer", "rejectionReason": None}
    return order, [event("OrderCreated", order, consumerId=consumer_id, orderTotal=order["orderTotal"]),
                   command(CONSUMER_COMMANDS, "ValidateOrderByConsumer", order)]


def on_reply(order, reply_type, reply):
    """Advances the saga on a reply; returns the messages to send.

    A reply the current step does not expect (a redelivery, a late duplicate)
    changes nothing and sends nothing: every step is idempotent.
    """
    step = order["sagaStep"]
    if reply_type not in EXPECTED.get(step, ()):
        return []
    if reply_type == "ConsumerVerified":
        order["sagaStep"] = "create_ticket"
        return [command(KITCHEN_COMMANDS, "CreateTicket", order)]
    if reply_type == "ConsumerVerificationFailed":
        return reject(order, reply.get("reason", "consumer verification failed"))
    if reply_type == "TicketCreated":
        order["sagaStep"] = "authorize_card"
        return [command(ACCOUNTING_COMMANDS, "AuthorizeCard", order)]
    if reply_type == "TicketCreationFailed":
        return reject(order, reply.get("reason", "ticket creation failed"))
    if reply_type == "CardAuthorized":
        order["sagaStep"] = "confirm_ticket"
        return [command(KITCHEN_COMMANDS, "ConfirmCreateTicket", order)]
    if reply_type == "CardAuthorizationFailed":
        order["sagaStep"] = "cancel_ticket"
        order["rejectionReason"] = reply.get("reason", "card authorization failed")
        return [command(KITCHEN_COMMANDS, "CancelCreateTicket", order)]
    if reply_type == "TicketConfirmed":
        order["sagaStep"] = "done"
        order["state"] = "APPROVED"
        return [event("OrderApproved", order)]
    if reply_type == "TicketCancelled":
        return reject(order, order["rejectionReason"])
    return []


def reject(order, reason):
    order["sagaStep"] = "done"
    order["state"] = "REJECTED"
    order["rejectionReason"] = reason
    return [event("OrderRejected", order, reason=reason)]
