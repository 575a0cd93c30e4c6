"""``shop``: orders, their lines and shipments, and products whose prices change (a
versioned view, for temporal joins and changelogs)."""

from __future__ import annotations

from flink_notebook.teaching.ddl import Relation, datagen, money, view
from flink_notebook.teaching.sql_values import (
    at,
    chance,
    choice,
    pick,
    shuffled,
    whole_blocks,
)

PRODUCTS = ("'kettle'", "'toaster'", "'lamp'", "'desk'", "'chair'", "'mug'", "'teapot'",
            "'blender'", "'fan'", "'rug'", "'clock'", "'mirror'")
CATEGORIES = ("'kitchen'", "'kitchen'", "'home'", "'office'", "'office'", "'kitchen'",
              "'kitchen'", "'kitchen'", "'home'", "'home'", "'home'", "'home'")
ORDER_EVERY = 15  # seconds
PRICE_EVERY = 300  # seconds between price changes (one product at a time)
SHIP_BLOCK = 480  # two hours of orders; shipments 30 minutes to 4.5 hours later
SHIP_BASE = SHIP_BLOCK * ORDER_EVERY + 1800


def _order_time(seed: int, order: str) -> str:
    return at(f"{order} * {ORDER_EVERY} + {pick(seed, 'order-time', order, 10)}")


def build(seed: int, orders: int, speed: float | None) -> list[Relation]:
    n = len(PRODUCTS)
    per_order = 1 / ORDER_EVERY
    changes = n + orders * ORDER_EVERY // PRICE_EVERY
    product = f"MOD(change_id, {n})"
    names = " ".join(f"WHEN {i} THEN {name}" for i, name in enumerate(PRODUCTS))
    kinds = " ".join(f"WHEN {i} THEN {kind}" for i, kind in enumerate(CATEGORIES))
    price = f"(500 + {product} * 350) * (80 + {pick(seed, 'price', 'change_id', 41)}) / 100"
    product_changes = datagen("shop_product_changes", "change_id", changes, [
        ("product_id", f"CAST({product} AS INT)"),
        ("name", f"CASE {product} {names} END"),
        ("category", f"CASE {product} {kinds} END"),
        ("price", money(price)),
        ("updated_at", at(f"CASE WHEN change_id < {n} THEN 0 "
                          f"ELSE (change_id - {n} + 1) * {PRICE_EVERY} END")),
    ], "updated_at", 30, 1 / PRICE_EVERY, speed)
    products = view("shop_products", """SELECT product_id, name, category, price, updated_at
FROM (
  SELECT *, ROW_NUMBER() OVER (PARTITION BY product_id ORDER BY updated_at DESC) AS version
  FROM shop_product_changes
)
WHERE version = 1""")
    order_rows = datagen("shop_orders", "order_id", orders, [
        ("customer_id", f"CAST(1 + {pick(seed, 'customer', 'order_id', 500)} AS INT)"),
        ("channel", choice(seed, "channel", "order_id", ("'web'", "'app'", "'store'"))),
        ("order_time", _order_time(seed, "order_id")),
    ], "order_time", 30, per_order, speed)
    order = "line_slot / 4"
    slots = datagen("shop_line_slots", "line_slot", orders * 4, [
        ("order_id", order), ("line_no", "CAST(MOD(line_slot, 4) + 1 AS INT)"),
        ("lines", f"1 + {pick(seed, 'lines', order, 4)}"),
        ("product_id", f"CAST({pick(seed, 'product', 'line_slot', n)} AS INT)"),
        ("quantity", f"CAST(1 + {pick(seed, 'quantity', 'line_slot', 3)} AS INT)"),
        ("order_time", _order_time(seed, order)),
    ], "order_time", 30, 4 * per_order, speed)
    lines = view("shop_order_lines", """SELECT order_id, line_no, product_id, quantity, order_time
FROM shop_line_slots
WHERE line_no <= lines""")
    shipped = shuffled(seed, "shipment", "shipment_slot", SHIP_BLOCK)
    slots_count = whole_blocks(orders, SHIP_BLOCK)
    shipment_slots = datagen("shop_shipment_slots", "shipment_slot", slots_count, [
        ("order_id", shipped),
        ("shipped", chance(seed, "shipped", shipped, 0.9)),
        ("carrier", choice(seed, "carrier", shipped, ("'DHL'", "'UPS'", "'FedEx'"))),
        ("ship_time", at(f"{SHIP_BASE} + shipment_slot * {ORDER_EVERY} + "
                         f"{pick(seed, 'ship-time', 'shipment_slot', 10)}")),
    ], "ship_time", 30, per_order, speed)
    shipments = view("shop_shipments", f"""SELECT shipment_slot AS shipment_id, order_id, carrier,
  ship_time
FROM shop_shipment_slots
WHERE shipped AND order_id < {orders}""")
    return [product_changes, products, order_rows, slots, lines, shipment_slots, shipments]
