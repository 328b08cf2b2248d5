"""The kitchen's tickets, as pure functions over a dict of tickets by order id.

CreateTicket makes a CREATE_PENDING ticket; ConfirmCreateTicket moves it to
AWAITING_ACCEPTANCE; CancelCreateTicket (the saga's compensation) to
CANCELLED. Each command is idempotent: repeating it answers the same reply
and changes nothing.
"""

REPLIES = "create-order-saga-replies"


def reply(msg_type, order_id, **extra):
    return {"topic": REPLIES, "type": msg_type, "key": str(order_id), "value": {"orderId": order_id, **extra}}


def handle(tickets, msg_type, cmd):
    """Applies one command; returns (changed, replies)."""
    order_id = cmd.get("orderId")
    key = str(order_id)
    ticket = tickets.get(key)
    if msg_type == "CreateTicket":
        if ticket is not None:
            return False, [reply("TicketCreated", order_id, ticketId=order_id)]
        if not cmd.get("lineItems"):
            return False, [reply("TicketCreationFailed", order_id, reason="a ticket needs line items")]
        tickets[key] = {"ticketId": order_id, "orderId": order_id, "restaurantId": cmd.get("restaurantId"),
                        "lineItems": cmd["lineItems"], "state": "CREATE_PENDING"}
        return True, [reply("TicketCreated", order_id, ticketId=order_id)]
    if msg_type == "ConfirmCreateTicket":
        if ticket is None:
            return False, []
        changed = ticket["state"] == "CREATE_PENDING"
        if changed:
            ticket["state"] = "AWAITING_ACCEPTANCE"
        return changed, [reply("TicketConfirmed", order_id)]
    if msg_type == "CancelCreateTicket":
        if ticket is None:
            # Nothing to cancel; still answer so the saga can finish.
            return False, [reply("TicketCancelled", order_id)]
        changed = ticket["state"] == "CREATE_PENDING"
        if changed:
            ticket["state"] = "CANCELLED"
        return changed, [reply("TicketCancelled", order_id)]
    return False, []
