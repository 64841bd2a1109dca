"""The emulator's patches (ops/desk_ops/local/emulator_patches.py) and the durable local state
(persistence.py), each on moto in-process. Each patch test fails on moto without the patch."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from desk_ops.local import emulator_patches as patches
from desk_ops.local.persistence import DurableState
from moto import mock_aws
from moto.dynamodb.models import dynamodb_backends
from moto.dynamodb.models.table import Table

ACCOUNT, REGION = "123456789012", "us-east-1"


@pytest.fixture
def db(aws_env: None) -> Iterator[Any]:
    patches.apply_all()
    with mock_aws():  # inside the integration session's emulator when it runs: a table of its own
        client = boto3.client("dynamodb", region_name=REGION)
        # the session's stack keeps its own mock_aws open, and a nested one shares its backends:
        # each test makes its table afresh and removes it after
        dynamodb_backends[ACCOUNT][REGION].tables.pop("t", None)
        client.create_table(
            TableName="t",
            KeySchema=[{"AttributeName": "PK", "KeyType": "HASH"}, {"AttributeName": "SK", "KeyType": "RANGE"}],
            AttributeDefinitions=[{"AttributeName": n, "AttributeType": "S"} for n in ("PK", "SK", "GSI1PK", "GSI1SK")],
            GlobalSecondaryIndexes=[
                {
                    "IndexName": "GSI1",
                    "KeySchema": [
                        {"AttributeName": "GSI1PK", "KeyType": "HASH"},
                        {"AttributeName": "GSI1SK", "KeyType": "RANGE"},
                    ],
                    "Projection": {"ProjectionType": "ALL"},
                }
            ],
            BillingMode="PAY_PER_REQUEST",
            StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
        )
        yield client
        dynamodb_backends[ACCOUNT][REGION].tables.pop("t", None)  # as is: a test may have swapped its items


def _table() -> Table:
    return dynamodb_backends[ACCOUNT][REGION].tables["t"]  # type: ignore[no-any-return]


def _item(pk: str, sk: str, **extra: str) -> dict[str, Any]:
    return {"PK": {"S": pk}, "SK": {"S": sk}, **{k: {"S": v} for k, v in extra.items()}}


def _fill(db: Any, partitions: int = 10, per: int = 10) -> None:
    for p in range(partitions):
        for i in range(per):
            db.put_item(TableName="t", Item=_item(f"P{p}", f"S{i:03d}", GSI1PK=f"G{p % 3}", GSI1SK=f"{p}-{i:03d}"))


def test_version_check_refuses_another_moto_release() -> None:
    patches.check_version(patches.MOTO_VERSION)
    with pytest.raises(patches.EmulatorVersionError, match="written for moto"):
        patches.check_version("5.3.0")


def test_a_transaction_never_copies_the_table(db: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    _fill(db)

    def refuse(self: Table, memo: Any) -> Table:
        raise AssertionError("the whole table was copied for a transaction")

    monkeypatch.setattr(Table, "__deepcopy__", refuse, raising=False)
    db.transact_write_items(
        TransactItems=[
            {"Put": {"TableName": "t", "Item": _item("P0", "NEW")}},
            {
                "Update": {
                    "TableName": "t",
                    "Key": {"PK": {"S": "P1"}, "SK": {"S": "S000"}},
                    "UpdateExpression": "SET x = :x",
                    "ExpressionAttributeValues": {":x": {"S": "1"}},
                }
            },
        ]
    )
    assert db.get_item(TableName="t", Key={"PK": {"S": "P1"}, "SK": {"S": "S000"}})["Item"]["x"] == {"S": "1"}


def test_a_cancelled_transaction_changes_nothing(db: Any) -> None:
    _fill(db, 2, 2)
    with pytest.raises(db.exceptions.TransactionCanceledException):
        db.transact_write_items(
            TransactItems=[
                {
                    "Update": {
                        "TableName": "t",
                        "Key": {"PK": {"S": "P0"}, "SK": {"S": "S000"}},
                        "UpdateExpression": "SET GSI1PK = :g",
                        "ExpressionAttributeValues": {":g": {"S": "MOVED"}},
                    }
                },
                {"Put": {"TableName": "t", "Item": _item("P9", "S9")}},
                {
                    "Put": {
                        "TableName": "t",
                        "Item": _item("P1", "S000"),
                        "ConditionExpression": "attribute_not_exists(PK)",
                    }
                },
            ]
        )
    assert db.get_item(TableName="t", Key={"PK": {"S": "P0"}, "SK": {"S": "S000"}})["Item"]["GSI1PK"] == {"S": "G0"}
    assert "Item" not in db.get_item(TableName="t", Key={"PK": {"S": "P9"}, "SK": {"S": "S9"}})
    moved = db.query(
        TableName="t",
        IndexName="GSI1",
        KeyConditionExpression="GSI1PK = :g",
        ExpressionAttributeValues={":g": {"S": "MOVED"}},
    )
    assert moved["Items"] == []


def test_stream_records_nobody_reads_are_not_kept(db: Any) -> None:
    _fill(db, 5, 20)
    assert _table().stream_shard is not None
    assert _table().stream_shard.items == []  # moto keeps all 100 forever


class _NoScan(defaultdict):  # type: ignore[type-arg]
    def values(self) -> Any:
        raise AssertionError("the whole table was read for one partition")


def test_query_reads_the_partition_not_the_table(db: Any) -> None:
    _fill(db)
    table = _table()
    table.items = _NoScan(dict, table.items)
    got = db.query(
        TableName="t",
        KeyConditionExpression="PK = :p AND begins_with(SK, :s)",
        ExpressionAttributeValues={":p": {"S": "P3"}, ":s": {"S": "S00"}},
        ScanIndexForward=False,
    )
    assert [i["SK"]["S"] for i in got["Items"]] == [f"S{i:03d}" for i in range(9, -1, -1)]


def test_gsi_query_reads_its_partition_and_follows_every_write(db: Any) -> None:
    _fill(db)

    def gsi(value: str) -> list[str]:
        got = db.query(
            TableName="t",
            IndexName="GSI1",
            KeyConditionExpression="GSI1PK = :g",
            ExpressionAttributeValues={":g": {"S": value}},
        )
        return [i["GSI1SK"]["S"] for i in got["Items"]]

    assert len(gsi("G0")) == 40  # partitions 0, 3, 6, 9: builds the index (one pass)
    table = _table()
    table.items = _NoScan(dict, table.items)
    db.put_item(TableName="t", Item=_item("PX", "S1", GSI1PK="G0", GSI1SK="0-000A"))
    db.update_item(
        TableName="t",
        Key={"PK": {"S": "P0"}, "SK": {"S": "S001"}},
        UpdateExpression="SET GSI1PK = :g",
        ExpressionAttributeValues={":g": {"S": "G1"}},
    )
    db.delete_item(TableName="t", Key={"PK": {"S": "P0"}, "SK": {"S": "S002"}})
    got = gsi("G0")
    assert len(got) == 39 and got[:3] == ["0-000", "0-000A", "0-003"]
    assert "0-001" in gsi("G1")


def test_moto_keeps_no_object_it_no_longer_needs(db: Any) -> None:
    from moto.dynamodb.models.dynamo_type import Item

    _fill(db, 3, 30)
    for _ in range(20):
        db.query(
            TableName="t", KeyConditionExpression="PK = :p", ExpressionAttributeValues={":p": {"S": "P1"}}
        )  # each answer is a deep copy of 30 items
    assert Item.instances_tracked == []  # moto: every Item ever made, copies included


def test_physical_names_are_the_same_at_every_start() -> None:
    import moto.cloudformation.parsing as parsing

    patches.stable_physical_names()
    first = parsing.generate_resource_name("AWS::S3::Bucket", "InquiryDesk", "MailBucket")
    assert first == parsing.generate_resource_name("AWS::S3::Bucket", "InquiryDesk", "MailBucket")
    assert first != parsing.generate_resource_name("AWS::S3::Bucket", "InquiryDesk", "OtherBucket")


# --- durable state --------------------------------------------------------------------------
def test_every_committed_write_is_restored_and_nothing_else_R1_2(db: Any, tmp_path: Path) -> None:
    state = DurableState(tmp_path, ACCOUNT, REGION)
    state.start_recording()
    try:
        _fill(db, 3, 3)
        db.update_item(
            TableName="t",
            Key={"PK": {"S": "P0"}, "SK": {"S": "S000"}},
            UpdateExpression="SET n = :n",
            ExpressionAttributeValues={":n": {"N": "7"}},
        )
        db.delete_item(TableName="t", Key={"PK": {"S": "P0"}, "SK": {"S": "S001"}})
        db.transact_write_items(TransactItems=[{"Put": {"TableName": "t", "Item": _item("T", "1")}}])
        with pytest.raises(db.exceptions.TransactionCanceledException):
            db.transact_write_items(
                TransactItems=[
                    {"Put": {"TableName": "t", "Item": _item("T", "2")}},
                    {
                        "Put": {
                            "TableName": "t",
                            "Item": _item("T", "1"),
                            "ConditionExpression": "attribute_not_exists(PK)",
                        }
                    },
                ]
            )
        state.sync()
        before = sorted(str(i) for i in db.scan(TableName="t")["Items"])
    finally:
        state.close()
    # a crash while appending leaves a torn last line: that transaction never committed
    with (tmp_path / "state" / "journal.jsonl").open("ab") as journal:
        journal.write(b'{"k":"items","c":[{"t":"t","p":{"PK":{"S":"TORN"')
    _table().items.clear()
    restored = DurableState(tmp_path, ACCOUNT, REGION)
    restored.restore()
    after = sorted(str(i) for i in db.scan(TableName="t")["Items"])
    assert after == before and len(after) == 9
    assert _table().stream_shard.items == []  # restoring makes no stream records
    restored.compact([], "none")
    assert (tmp_path / "state" / "journal.jsonl").stat().st_size == 0
    _table().items.clear()
    DurableState(tmp_path, ACCOUNT, REGION).restore()
    assert sorted(str(i) for i in db.scan(TableName="t")["Items"]) == before
    restored.close()


def test_stream_records_no_consumer_received_are_delivered_after_a_crash_R1_2(
    db: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A write acknowledged but killed before its stream consumer ran (deadline planning, the
    outbox) is handed to the consumer after the restart; a delivered one never again."""
    delivered: list[tuple[str, str]] = []
    crashed = [True]

    def deliver(shard: Any) -> None:
        batch = list(shard.items)
        if crashed[0]:
            return  # the process dies before the consumer gets these
        delivered.extend((r.record["eventName"], r.record["dynamodb"]["Keys"]["SK"]["S"]) for r in batch)
        del shard.items[: len(batch)]
        patches._delivered(batch)

    monkeypatch.setattr(patches, "_deliver_now", deliver)
    monkeypatch.setattr(patches, "_streams", None)
    monkeypatch.setattr(_table(), "lambda_event_source_mappings", {"arn:aws:lambda:us-east-1:1:function:f": None})
    state = DurableState(tmp_path, ACCOUNT, REGION)
    state.start_recording()
    crashed[0] = False
    db.put_item(TableName="t", Item=_item("D", "1"))  # received before the crash
    crashed[0] = True
    db.put_item(TableName="t", Item=_item("D", "2"))
    db.transact_write_items(TransactItems=[{"Delete": {"TableName": "t", "Key": {"PK": {"S": "D"}, "SK": {"S": "1"}}}}])
    state.sync()
    state.close()
    assert delivered == [("INSERT", "1")]

    _table().stream_shard.items.clear()
    restarted = DurableState(tmp_path, ACCOUNT, REGION)
    restarted.restore()
    restarted.start_recording()
    crashed[0] = False
    assert restarted.redeliver() == 2
    assert delivered == [("INSERT", "1"), ("INSERT", "2"), ("REMOVE", "1")]
    assert restarted.pending == {}
    restarted.sync()
    restarted.close()
    again = DurableState(tmp_path, ACCOUNT, REGION)
    again.restore()
    assert again.pending == {}  # acknowledged by the consumer: never delivered a third time
    again.close()


def test_gsi_query_with_a_limit_reads_only_what_it_returns(db: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    _fill(db, 12, 10)  # G0: 40 items in index order 0-000 .. 9-009

    def gsi(limit: int | None = None, forward: bool = True, before: str | None = None) -> dict[str, Any]:
        kwargs: dict[str, Any] = {"ScanIndexForward": forward}
        if limit:
            kwargs["Limit"] = limit
        condition, values = "GSI1PK = :g", {":g": {"S": "G0"}}
        if before:
            condition, values = condition + " AND GSI1SK < :b", values | {":b": {"S": before}}
        return dict(
            db.query(
                TableName="t",
                IndexName="GSI1",
                KeyConditionExpression=condition,
                ExpressionAttributeValues=values,
                **kwargs,
            )
        )

    everything = [i["GSI1SK"]["S"] for i in gsi()["Items"]]
    assert everything == sorted(everything) and len(everything) == 40
    sorts = [0]
    original = Table.sorted_items

    def counting(self: Table, hashes: Any, ranges: Any, items: list[Any]) -> Any:
        sorts[0] = max(sorts[0], len(items))
        return original(self, hashes, ranges, items)

    monkeypatch.setattr(Table, "sorted_items", counting)
    first = gsi(limit=5)
    assert [i["GSI1SK"]["S"] for i in first["Items"]] == everything[:5] and "LastEvaluatedKey" in first
    last = gsi(limit=5, forward=False)
    assert [i["GSI1SK"]["S"] for i in last["Items"]] == everything[::-1][:5]
    overdue = gsi(limit=3, before="3-005")
    assert [i["GSI1SK"]["S"] for i in overdue["Items"]] == [v for v in everything if v < "3-005"][:3]
    assert sorts[0] <= 6  # moto sorts the whole partition for every query
    every_overdue = gsi(limit=50, before="3-005")
    assert [i["GSI1SK"]["S"] for i in every_overdue["Items"]] == [v for v in everything if v < "3-005"]
    assert "LastEvaluatedKey" not in every_overdue
