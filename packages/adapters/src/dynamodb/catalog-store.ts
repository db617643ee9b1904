import { ConditionalCheckFailedException } from "@aws-sdk/client-dynamodb";
import {
  BatchGetCommand,
  type BatchGetCommandOutput,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from "@aws-sdk/lib-dynamodb";
import {
  type CatalogStore,
  DependencyUnavailableError,
  type IdempotencyToken,
  InsufficientStockError,
  NotFoundError,
  type Product,
  type ProductChanges,
  VersionConflictError,
} from "@meridian/core";
import { dynamo, putNew } from "./errors.ts";
import { writeIdempotent } from "./idempotency.ts";

const KIND = "PRODUCT";
const BATCH_GET_MAX = 100;

/** A product as stored, without the bookkeeping its item carries (`kind`, the image places). */
export function fromProductItem(item: Record<string, unknown>): Product {
  const { kind: _kind, imageSlots: _slots, ...product } = item;
  return { ...product, images: (product.images as Product["images"] | undefined) ?? [] } as Product;
}
const fromItem = fromProductItem;

/**
 * Products, one item each, keyed by id. Listing uses the keys-only `byKind` index (ids in creation order)
 * and then a strongly consistent BatchGetItem, so stock updates never write to the index.
 */
export class DynamoCatalogStore implements CatalogStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async create(product: Product, token?: IdempotencyToken): Promise<{ product: Product; replayed: boolean }> {
    const Item = { ...product, kind: KIND };
    if (!token) {
      await putNew(() =>
        this.db.send(
          new PutCommand({
            TableName: this.tableName,
            Item,
            ConditionExpression: "attribute_not_exists(id)",
          }),
        ),
      );
      return { product, replayed: false };
    }
    const { recordId, replayed } = await writeIdempotent(this.db, {
      tableName: this.tableName,
      keyAttribute: "id",
      write: { Put: { Item } },
      recordId: product.id,
      token,
      nowMs: Date.parse(product.createdAt),
    });
    return { product: replayed ? await this.stored(recordId) : product, replayed };
  }

  /** A product that must exist (the first record of a replayed request). */
  private async stored(id: string): Promise<Product> {
    const product = await this.get(id);
    if (!product) throw new DependencyUnavailableError("database");
    return product;
  }

  async get(id: string): Promise<Product | undefined> {
    const { Item } = await dynamo(() =>
      this.db.send(new GetCommand({ TableName: this.tableName, Key: { id }, ConsistentRead: true })),
    );
    return Item ? fromItem(Item) : undefined;
  }

  async getMany(ids: string[]): Promise<Map<string, Product>> {
    const found = new Map<string, Product>();
    const unique = [...new Set(ids)];
    for (let start = 0; start < unique.length; start += BATCH_GET_MAX) {
      let keys: Record<string, unknown>[] | undefined = unique
        .slice(start, start + BATCH_GET_MAX)
        .map((id) => ({ id }));
      for (let attempt = 0; keys && keys.length > 0; attempt++) {
        const requestKeys: Record<string, unknown>[] = keys;
        const out: BatchGetCommandOutput = await dynamo(() =>
          this.db.send(
            new BatchGetCommand({
              RequestItems: { [this.tableName]: { Keys: requestKeys, ConsistentRead: true } },
            }),
          ),
        );
        for (const item of out.Responses?.[this.tableName] ?? []) found.set(String(item.id), fromItem(item));
        keys = out.UnprocessedKeys?.[this.tableName]?.Keys;
        if (keys?.length)
          await new Promise((resolve) => setTimeout(resolve, Math.min(1000, 25 * 2 ** attempt)));
      }
    }
    return found;
  }

  async list(limit: number, afterId?: string): Promise<Product[]> {
    const page = await dynamo(() =>
      this.db.send(
        new QueryCommand({
          TableName: this.tableName,
          IndexName: "byKind",
          KeyConditionExpression: afterId ? "kind = :kind AND id > :after" : "kind = :kind",
          ExpressionAttributeValues: afterId ? { ":kind": KIND, ":after": afterId } : { ":kind": KIND },
          Limit: limit,
        }),
      ),
    );
    const ids = (page.Items ?? []).map((item) => String(item.id));
    const products = await this.getMany(ids);
    return ids.flatMap((id) => products.get(id) ?? []);
  }

  async update(
    id: string,
    changes: ProductChanges,
    expectedVersion: number,
    atIso: string,
  ): Promise<Product> {
    const entries = Object.entries(changes).filter(([, value]) => value !== undefined);
    const names = Object.fromEntries(entries.map(([key], i) => [`#f${i}`, key]));
    const values = Object.fromEntries(entries.map(([, value], i) => [`:f${i}`, value]));
    const sets = entries.map((_, i) => `#f${i} = :f${i}`);
    try {
      const { Attributes } = await dynamo(() =>
        this.db.send(
          new UpdateCommand({
            TableName: this.tableName,
            Key: { id },
            UpdateExpression: `SET ${[...sets, "updatedAt = :at", "version = version + :one"].join(", ")}`,
            ConditionExpression: "version = :expected",
            ExpressionAttributeNames: entries.length ? names : undefined,
            ExpressionAttributeValues: { ...values, ":at": atIso, ":one": 1, ":expected": expectedVersion },
            ReturnValues: "ALL_NEW",
            ReturnValuesOnConditionCheckFailure: "ALL_OLD",
          }),
        ),
      );
      return fromItem(Attributes ?? {});
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      const current = error.Item?.version;
      if (!current) throw new NotFoundError("Product", id);
      throw new VersionConflictError(id, Number((current as { N?: string }).N ?? current));
    }
  }

  async adjustStock(
    id: string,
    delta: number,
    atIso: string,
    token?: IdempotencyToken,
  ): Promise<{ product: Product; replayed: boolean }> {
    const update = {
      Key: { id },
      UpdateExpression: "SET stock = stock + :delta, updatedAt = :at",
      ConditionExpression: "attribute_exists(id) AND stock >= :needed",
      ExpressionAttributeValues: { ":delta": delta, ":at": atIso, ":needed": Math.max(0, -delta) },
    };
    if (token) {
      const { replayed } = await writeIdempotent(this.db, {
        tableName: this.tableName,
        keyAttribute: "id",
        write: { Update: update },
        recordId: id,
        token,
        nowMs: Date.parse(atIso),
        conditionFailed: () => new InsufficientStockError(id),
      });
      return { product: await this.stored(id), replayed };
    }
    try {
      const { Attributes } = await dynamo(() =>
        this.db.send(new UpdateCommand({ TableName: this.tableName, ...update, ReturnValues: "ALL_NEW" })),
      );
      return { product: fromItem(Attributes ?? {}), replayed: false };
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) throw new InsufficientStockError(id);
      throw error;
    }
  }
}
