"""kitchen-service: tickets for the createOrder saga (CreateTicket,
ConfirmCreateTicket, CancelCreateTicket) and GET /tickets/{orderId}."""
import kit
import kitchen

store = kit.Store({"tickets": {}})


def handle_command(msg_type, key, value, headers):
    with store.lock:
        changed, replies = kitchen.handle(store.data["tickets"], msg_type, value or {})
        if changed:
            ticket_id = str((value or {}).get("orderId"))
            store.save("tickets", ticket_id)
            ticket = store.data["tickets"].get(ticket_id)
            kit.log(f"ticket {ticket['ticketId']}: {msg_type} -> {ticket['state']}")
        return replies


bus = kit.Bus(["kitchen-service-commands"], handle_command)


def get_ticket(parts, _):
    with store.lock:
        if len(parts) == 1:
            return 200, list(store.data["tickets"].values())
        ticket = store.data["tickets"].get(parts[1])
        return (200, ticket) if ticket else (404, {"error": f"no ticket for order {parts[1]}"})


if __name__ == "__main__":
    bus.start()
    kit.serve({("GET", "tickets"): get_ticket}, on_stop=bus.stop)
