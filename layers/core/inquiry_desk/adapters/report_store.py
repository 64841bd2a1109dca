"""Report counters in the single table (keys also in the README):

counted marker    PK COUNTED#<inquiry id>              SK EVT#<seq, 6 digits>  (an event counted once)
day row           PK STAT#<yyyy-mm-dd>                 SK <dimension>          (counters: numbers, ADDed)
drill-down        PK DRILL#<yyyy-mm-dd>#<counter>      SK <inquiry id>#<seq>   (channel, team, category, agent)
waiting           PK WAIT#<channel>                    SK <since>#<inquiry id> (live queue: no answer yet)
response hour     PK RESP#<channel>                    SK <yyyy-mm-ddTHH>      (first responses: count, seconds)
monitor alert     PK ALERT#<name>                      SK ALERT                (raised, due, escalated)

Every change one event makes is one TransactWriteItems whose first item is the conditional
counted marker: a redelivered stream record (or a second backfill) cancels it and writes nothing.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from botocore.exceptions import ClientError

from inquiry_desk.adapters.dynamo import _iso, _item, _plain
from inquiry_desk.reports.counting import Counting, Drill
from inquiry_desk.reports.store import ResponseHour, Waiting, hour_of


class DynamoCounterStore:
    """Implements reports.store.CounterStore on the inquiry table."""

    def __init__(self, client: Any, table_name: str) -> None:
        self._db = client
        self._table = table_name
        self.items_read = 0

    # --- writes ------------------------------------------------------------------------------
    def apply(self, counting: Counting) -> bool:
        if counting.empty:
            return False  # nothing to count: no marker either
        inquiry_id, seq = counting.key.split("#")
        ops: list[dict[str, Any]] = [
            {
                "Put": {
                    "TableName": self._table,
                    "Item": _item({"PK": f"COUNTED#{inquiry_id}", "SK": f"EVT#{int(seq):06d}", "kind": "counted"}),
                    "ConditionExpression": "attribute_not_exists(PK)",
                }
            }
        ]
        for dim, counters in sorted(counting.counters.items()):
            ops.append(self._add({"PK": f"STAT#{counting.day}", "SK": dim}, counters, {"kind": "stat"}))
        for d in counting.drills:
            attrs = {
                "PK": f"DRILL#{counting.day}#{d.counter}",
                "SK": f"{d.inquiry_id}#{d.seq:06d}",
                "kind": "drill",
                "inquiry_id": d.inquiry_id,
                **d.dims,
            }
            ops.append({"Put": {"TableName": self._table, "Item": _item(attrs)}})
        if counting.waiting is not None:
            action, channel, since = counting.waiting
            key = {"PK": f"WAIT#{channel}", "SK": f"{_iso(since)}#{inquiry_id}"}
            if action == "start":
                item = {**key, "kind": "waiting", "inquiry_id": inquiry_id, "since": _iso(since)}
                ops.append({"Put": {"TableName": self._table, "Item": _item(item)}})
            else:
                ops.append({"Delete": {"TableName": self._table, "Key": _item(key)}})
        if counting.response is not None:
            channel, at, seconds = counting.response
            key = {"PK": f"RESP#{channel}", "SK": hour_of(at)}
            ops.append(self._add(key, {"count": 1, "seconds": seconds}, {"kind": "response_hour"}))
        try:
            self._db.transact_write_items(TransactItems=ops)
        except ClientError as err:
            reasons = [r.get("Code") for r in err.response.get("CancellationReasons", [])]
            if reasons and reasons[0] == "ConditionalCheckFailed":
                return False  # counted before: a redelivery
            raise
        return True

    def _add(self, key: dict[str, str], amounts: dict[str, int], extra: dict[str, str]) -> dict[str, Any]:
        names = {f"#c{i}": name for i, name in enumerate(sorted(amounts))}
        values = {f":c{i}": {"N": str(amounts[name])} for i, name in enumerate(sorted(amounts))}
        sets = ", ".join(f"#k{i} = :k{i}" for i in range(len(extra)))
        names.update({f"#k{i}": k for i, k in enumerate(extra)})
        values.update({f":k{i}": {"S": v} for i, v in enumerate(extra.values())})
        return {
            "Update": {
                "TableName": self._table,
                "Key": _item(key),
                "UpdateExpression": f"SET {sets} ADD " + ", ".join(f"#c{i} :c{i}" for i in range(len(amounts))),
                "ExpressionAttributeNames": names,
                "ExpressionAttributeValues": values,
            }
        }

    # --- reads -------------------------------------------------------------------------------
    def _partition(self, pk: str, **extra: Any) -> list[dict[str, Any]]:
        kwargs: dict[str, Any] = {
            "TableName": self._table,
            "KeyConditionExpression": "PK = :pk",
            "ExpressionAttributeValues": {":pk": {"S": pk}},
            **extra,
        }
        items: list[dict[str, Any]] = []
        while True:
            page = self._db.query(**kwargs)
            items.extend(_plain(i) for i in page.get("Items", []))
            if "LastEvaluatedKey" not in page:
                break
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]
        self.items_read += len(items)
        return items

    def day(self, day: str) -> dict[str, dict[str, int]]:
        return {
            str(i["SK"]): {k: int(v) for k, v in i.items() if k not in ("PK", "SK", "kind")}
            for i in self._partition(f"STAT#{day}")
        }

    def drill(self, day: str, counter: str) -> list[Drill]:
        out = []
        for i in self._partition(f"DRILL#{day}#{counter}"):
            iid, _, seq = str(i["SK"]).rpartition("#")
            dims: dict[str, str] = {k: str(i[k]) for k in ("channel", "team", "category", "agent") if k in i}
            out.append(Drill(counter, iid, int(seq), dims))
        return out

    def waiting(self, channel: str) -> Waiting:
        count, kwargs = (
            0,
            {
                "TableName": self._table,
                "KeyConditionExpression": "PK = :pk",
                "ExpressionAttributeValues": {":pk": {"S": f"WAIT#{channel}"}},
                "Select": "COUNT",
            },
        )
        while True:
            page = self._db.query(**kwargs)
            count += int(page.get("Count", 0))
            if "LastEvaluatedKey" not in page:
                break
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]
        oldest = None
        if count:
            first = self._db.query(
                **{k: v for k, v in kwargs.items() if k not in ("Select", "ExclusiveStartKey")},
                Limit=1,
                ScanIndexForward=True,
            )
            items = first.get("Items", [])
            if items:
                oldest = datetime.fromisoformat(items[0]["SK"]["S"].split("#")[0].replace("Z", "+00:00"))
        return Waiting(channel, count, oldest)

    def response_hours(self, channel: str, since_hour: str) -> list[ResponseHour]:
        items = self._partition(
            f"RESP#{channel}",
            KeyConditionExpression="PK = :pk AND SK >= :since",
            ExpressionAttributeValues={":pk": {"S": f"RESP#{channel}"}, ":since": {"S": since_hour}},
        )
        return [ResponseHour(str(i["SK"]), int(i.get("count", 0)), int(i.get("seconds", 0))) for i in items]

    def previous_inquiry(self, customer_id: str, before: datetime, inquiry_id: str) -> tuple[datetime, str] | None:
        """The customer's latest inquiry received before this one (GSI2, one item)."""
        page = self._db.query(
            TableName=self._table,
            IndexName="GSI2",
            KeyConditionExpression="GSI2PK = :pk AND GSI2SK < :sk",
            ExpressionAttributeValues={
                ":pk": {"S": f"CUST#{customer_id}"},
                ":sk": {"S": f"{_iso(before)}#{inquiry_id}"},
            },
            ScanIndexForward=False,
            Limit=1,
        )
        items = page.get("Items", [])
        if not items:
            return None
        item = _plain(items[0])
        return datetime.fromisoformat(str(item["received_at"]).replace("Z", "+00:00")), str(item["channel"])

    # --- monitor alerts ----------------------------------------------------------------------
    def alert(self, name: str) -> dict[str, Any] | None:
        got = self._db.get_item(
            TableName=self._table, Key={"PK": {"S": f"ALERT#{name}"}, "SK": {"S": "ALERT"}}, ConsistentRead=True
        )
        item = got.get("Item")
        return {k: v for k, v in _plain(item).items() if k not in ("PK", "SK")} if item else None

    def save_alert(self, name: str, state: dict[str, Any] | None) -> None:
        key = {"PK": {"S": f"ALERT#{name}"}, "SK": {"S": "ALERT"}}
        if state is None:
            self._db.delete_item(TableName=self._table, Key=key)
        else:
            self._db.put_item(TableName=self._table, Item=_item({"PK": f"ALERT#{name}", "SK": "ALERT", **state}))

    # --- backfill ----------------------------------------------------------------------------
    def inquiry_ids_on(self, day: Any) -> list[str]:
        """Ids of the inquiries received on one UTC day (GSI3, keys only)."""
        ids: list[str] = []
        kwargs: dict[str, Any] = {
            "TableName": self._table,
            "IndexName": "GSI3",
            "KeyConditionExpression": "GSI3PK = :pk",
            "ExpressionAttributeValues": {":pk": {"S": f"DAY#{day.isoformat()}"}},
            "ProjectionExpression": "inquiry_id",
        }
        while True:
            page = self._db.query(**kwargs)
            ids.extend(i["inquiry_id"]["S"] for i in page.get("Items", []))
            if "LastEvaluatedKey" not in page:
                return ids
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]
