"""Policy versions in the single table (keys also in the README):

version        PK POLICY#<document>   SK V#<version, 6 digits>   (content as JSON text, the audit)
active         PK POLICIES            SK ACTIVE#<document>       (the active version: number and content)

Every active version sits in one partition, so the functions read all of them with one Query; a
document's history is one Query on its own partition, newest first. A save is one
TransactWriteItems: the new version (must not exist) and the active pointer (must still be the
version the admin edited), so two admins saving at once cannot both win.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from botocore.exceptions import ClientError

from inquiry_desk.adapters.dynamo import _item, _plain
from inquiry_desk.errors import Conflict
from inquiry_desk.policies.book import Version

ACTIVE_PK = "POLICIES"


def _key(document: str, number: int) -> dict[str, str]:
    return {"PK": f"POLICY#{document}", "SK": f"V#{number:06d}"}


def _version(item: dict[str, Any]) -> Version:
    plain = _plain(item)
    return Version(
        document=str(plain["document"]),
        version=int(plain["version"]),
        content=json.loads(plain["content"]),
        saved_by=str(plain["saved_by"]),
        saved_at=datetime.fromisoformat(str(plain["saved_at"])) if plain.get("saved_at") else None,
        summary=tuple(plain.get("summary") or ()),
        reason=plain.get("reason"),
        rollback_of=int(plain["rollback_of"]) if plain.get("rollback_of") is not None else None,
    )


def _attrs(v: Version) -> dict[str, Any]:
    return {
        "document": v.document,
        "version": v.version,
        "content": json.dumps(v.content, ensure_ascii=False, separators=(",", ":")),
        "saved_by": v.saved_by,
        "saved_at": v.saved_at.isoformat() if v.saved_at else None,
        "summary": list(v.summary) or None,
        "reason": v.reason,
        "rollback_of": v.rollback_of,
        "kind": "policy_version",
    }


class DynamoPolicyStore:
    """Implements policies.book.PolicyStore on the inquiry table."""

    def __init__(self, client: Any, table_name: str) -> None:
        self._db = client
        self._table = table_name

    def active_all(self) -> dict[str, Version]:
        out: dict[str, Version] = {}
        kwargs: dict[str, Any] = {
            "TableName": self._table,
            "KeyConditionExpression": "PK = :pk",
            "ExpressionAttributeValues": {":pk": {"S": ACTIVE_PK}},
        }
        while True:
            page = self._db.query(**kwargs)
            for item in page.get("Items", []):
                v = _version(item)
                out[v.document] = v
            if "LastEvaluatedKey" not in page:
                return out
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    def version(self, document: str, number: int) -> Version | None:
        got = self._db.get_item(TableName=self._table, Key=_item(_key(document, number)))
        item = got.get("Item")
        return _version(item) if item else None

    def versions(self, document: str, limit: int) -> list[Version]:
        page = self._db.query(
            TableName=self._table,
            KeyConditionExpression="PK = :pk AND begins_with(SK, :v)",
            ExpressionAttributeValues={":pk": {"S": f"POLICY#{document}"}, ":v": {"S": "V#"}},
            ScanIndexForward=False,
            Limit=limit,
        )
        return [_version(i) for i in page.get("Items", [])]

    def save(self, version: Version, base: int) -> None:
        attrs = _attrs(version)
        active_cond = "attribute_not_exists(PK)" if base == 0 else "#v = :base"
        active: dict[str, Any] = {
            "TableName": self._table,
            "Item": _item({"PK": ACTIVE_PK, "SK": f"ACTIVE#{version.document}", **attrs}),
            "ConditionExpression": active_cond,
        }
        if base != 0:
            active["ExpressionAttributeNames"] = {"#v": "version"}
            active["ExpressionAttributeValues"] = {":base": {"N": str(base)}}
        try:
            self._db.transact_write_items(
                TransactItems=[
                    {
                        "Put": {
                            "TableName": self._table,
                            "Item": _item({**_key(version.document, version.version), **attrs}),
                            "ConditionExpression": "attribute_not_exists(PK)",
                        }
                    },
                    {"Put": active},
                ]
            )
        except ClientError as err:
            if err.response.get("Error", {}).get("Code") == "TransactionCanceledException":
                raise Conflict(
                    f"{version.document} changed while you edited it (version {base} is no longer active): reload"
                ) from None
            raise
