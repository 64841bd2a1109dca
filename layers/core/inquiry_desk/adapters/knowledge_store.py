"""The knowledge base on the single table (R7.2). Keys (also in the README):

| item            | PK                 | SK                   |
|-----------------|--------------------|----------------------|
| article version | ARTICLE#<id>       | V#<version, 6 digits>|  never changed once written
| current version | KNOWLEDGE          | ARTICLE#<id>         |  the catalogue: one Query lists it

A save writes both in one transaction: the version only if new, the current one only if it still
is the version the editor started from. No scan anywhere; the catalogue partition is small (one
item per article) and read page by page.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer
from botocore.exceptions import ClientError

from inquiry_desk.knowledge.model import Article, StaleArticle

_ser, _deser = TypeSerializer(), TypeDeserializer()
CATALOGUE = "KNOWLEDGE"


def _item(attrs: dict[str, Any]) -> dict[str, Any]:
    return {k: _ser.serialize(v) for k, v in attrs.items() if v is not None and v != []}


def _article(item: dict[str, Any]) -> Article:
    plain = {k: _deser.deserialize(v) for k, v in item.items() if k not in ("PK", "SK", "kind")}
    plain = {k: int(v) if isinstance(v, Decimal) else v for k, v in plain.items()}
    return Article.model_validate(plain)


class DynamoKnowledgeStore:
    def __init__(self, client: Any, table_name: str) -> None:
        self._db = client
        self._table = table_name

    def save(self, article: Article) -> None:
        body = article.model_dump(mode="json")
        version = _item(
            {"PK": f"ARTICLE#{article.article_id}", "SK": f"V#{article.version:06d}", "kind": "article_version", **body}
        )
        current = _item({"PK": CATALOGUE, "SK": f"ARTICLE#{article.article_id}", "kind": "article", **body})
        head: dict[str, Any] = {"TableName": self._table, "Item": current}
        if article.version == 1:
            head["ConditionExpression"] = "attribute_not_exists(PK)"
        else:
            head["ConditionExpression"] = "version = :base"
            head["ExpressionAttributeValues"] = {":base": {"N": str(article.version - 1)}}
        try:
            self._db.transact_write_items(
                TransactItems=[
                    {
                        "Put": {
                            "TableName": self._table,
                            "Item": version,
                            "ConditionExpression": "attribute_not_exists(PK)",
                        }
                    },
                    {"Put": head},
                ]
            )
        except ClientError as err:
            if err.response["Error"]["Code"] == "TransactionCanceledException":
                raise StaleArticle(article.article_id) from err
            raise

    def current(self, article_id: str) -> Article | None:
        got = self._db.get_item(
            TableName=self._table,
            Key={"PK": {"S": CATALOGUE}, "SK": {"S": f"ARTICLE#{article_id}"}},
            ConsistentRead=True,
        )
        return _article(got["Item"]) if "Item" in got else None

    def version(self, article_id: str, version: int) -> Article | None:
        got = self._db.get_item(
            TableName=self._table, Key={"PK": {"S": f"ARTICLE#{article_id}"}, "SK": {"S": f"V#{version:06d}"}}
        )
        return _article(got["Item"]) if "Item" in got else None

    def versions(self, article_id: str) -> list[Article]:
        return [_article(i) for i in self._query(f"ARTICLE#{article_id}", "V#", 10_000)]

    def catalogue(self, limit: int = 1000) -> list[Article]:
        found = [_article(i) for i in self._query(CATALOGUE, "ARTICLE#", limit)]
        return sorted(found, key=lambda a: a.edited_at, reverse=True)

    def _query(self, pk: str, prefix: str, limit: int) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        kwargs: dict[str, Any] = {
            "TableName": self._table,
            "KeyConditionExpression": "PK = :pk AND begins_with(SK, :prefix)",
            "ExpressionAttributeValues": {":pk": {"S": pk}, ":prefix": {"S": prefix}},
        }
        while len(out) < limit:
            page = self._db.query(**kwargs)
            out.extend(page.get("Items", []))
            if "LastEvaluatedKey" not in page:
                break
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]
        return out[:limit]
