#!/usr/bin/env bash
# The FTGO demo: starts the example under `ftgo run -d` (embedded broker;
# each service built by its own pipeline), places three orders through the
# API gateway, shows the saga's events and the final states.
# FTGO names the ftgo binary (default: ftgo on PATH).
set -euo pipefail
cd "$(dirname "$0")"
FTGO=${FTGO:-ftgo}
gateway=http://127.0.0.1:$(sed -n 's/^port: *\([0-9]*\).*/\1/p' services/api-gateway/service.yaml)

echo "==> starting FTGO: the embedded Kafka and five services (first run builds each service)"
"$FTGO" run -d

place() {  # consumer-id quantity price -> order id
  curl -sf -X POST "$gateway/orders" -H 'Content-Type: application/json' \
    -d "{\"consumerId\": $1, \"restaurantId\": 1, \"lineItems\": [{\"menuItemId\": \"chicken-vindaloo\", \"quantity\": $2, \"price\": $3}]}" |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["orderId"])'
}

state() { curl -sf "$gateway/orders/$1" | python3 -c 'import json,sys; print(json.load(sys.stdin)["state"])'; }

wait_final() {
  for _ in $(seq 1 150); do
    s=$(state "$1")
    if [ "$s" != APPROVAL_PENDING ]; then return 0; fi
    sleep 0.2
  done
  echo "order $1 is still pending after 30s" >&2
  return 1
}

echo "==> placing three orders through the API gateway at $gateway"
approved=$(place 1 2 12.50)     # Alice: approved
rejected=$(place 99 1 9.00)     # no such consumer: rejected by ValidateOrderByConsumer
declined=$(place 2 1 30.00)     # Bob's card is disabled: ticket cancelled, then rejected
for id in "$approved" "$rejected" "$declined"; do wait_final "$id"; done

echo "==> the saga's events (ftgo tail order-events create-order-saga-replies --from beginning -e)"
"$FTGO" tail order-events create-order-saga-replies --from beginning -e

echo "==> final states"
for id in "$approved" "$rejected" "$declined"; do
  curl -sf "$gateway/orders/$id" | python3 -c '
import json, sys
o = json.load(sys.stdin)
ticket = (o.get("ticket") or {}).get("state", "-")
auth = (o.get("authorization") or {}).get("status", "-")
oid, st, why = o["id"], o["state"], o.get("rejectionReason") or ""
print(f"order {oid}: {st:<9} ticket {ticket:<19} card {auth:<10} {why}")'
done

cat <<MSG

FTGO is running in the background. Try it yourself:
  curl -s -X POST $gateway/orders -H 'Content-Type: application/json' \\
    -d '{"consumerId": 1, "lineItems": [{"menuItemId": "samosa", "quantity": 3, "price": 4.5}]}'
  curl -s $gateway/orders/1
  $FTGO -C $(pwd) ps          # the services
  $FTGO -C $(pwd) tail order-events    # watch events live
Stop it with:
  $FTGO -C $(pwd) down
MSG
