import { ConditionalCheckFailedException, TransactionCanceledException } from "@aws-sdk/client-dynamodb";
import {
  type DynamoDBDocumentClient,
  GetCommand,
  TransactWriteCommand,
  UpdateCommand,
} from "@aws-sdk/lib-dynamodb";
import {
  DependencyUnavailableError,
  ImageLimitReachedError,
  ImageOrderMismatchError,
  type ImageStore,
  NotFoundError,
  type Product,
  type ProductImage,
  type ProductImageRef,
} from "@meridian/core";
import { fromProductItem } from "./catalog-store.ts";
import { afterConflict, dynamo } from "./errors.ts";

const imageKey = (imageId: string) => ({ id: `IMAGE#${imageId}` });
/** How often a write that lost a race on the product's lists reads them again. */
const ATTEMPTS = 5;

/**
 * Image records in the catalog table (`IMAGE#<imageId>`; no `kind`, so no product listing sees them). The
 * product item holds the places (`imageSlots`: the ids of its PROCESSING and READY images) and the READY
 * images' references (`images`); each change of status writes the record and the product in one transaction.
 */
export class DynamoImageStore implements ImageStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async createPending(image: ProductImage, maxImages: number): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        await this.transact(this.pendingItems(image, maxImages));
        return;
      } catch (error) {
        if (!(error instanceof TransactionCanceledException)) throw error;
        const product = error.CancellationReasons?.[1];
        if (product?.Code === "ConditionalCheckFailed") {
          if (!product.Item?.id) throw new NotFoundError("Product", image.productId);
          throw new ImageLimitReachedError(image.productId, maxImages);
        }
        // Another upload of the same product committing at the same moment: try again shortly.
        const conflict = error.CancellationReasons?.some((r) => r.Code === "TransactionConflict");
        if (!conflict || attempt >= ATTEMPTS)
          throw new DependencyUnavailableError("database", { cause: error });
        await afterConflict(attempt);
      }
    }
  }

  private pendingItems(image: ProductImage, maxImages: number) {
    return [
      { Put: { TableName: this.tableName, Item: { ...imageKey(image.imageId), ...image } } },
      {
        Update: {
          TableName: this.tableName,
          Key: { id: image.productId },
          UpdateExpression: "SET imageSlots = list_append(if_not_exists(imageSlots, :none), :one)",
          ConditionExpression:
            "kind = :product AND (attribute_not_exists(imageSlots) OR size(imageSlots) < :max)",
          ExpressionAttributeValues: {
            ":none": [],
            ":one": [image.imageId],
            ":max": maxImages,
            ":product": "PRODUCT",
          },
          ReturnValuesOnConditionCheckFailure: "ALL_OLD",
        },
      },
    ];
  }

  async get(imageId: string): Promise<ProductImage | undefined> {
    const { Item } = await dynamo(() =>
      this.db.send(
        new GetCommand({ TableName: this.tableName, Key: imageKey(imageId), ConsistentRead: true }),
      ),
    );
    if (!Item) return undefined;
    const { id: _id, ...image } = Item;
    return image as ProductImage;
  }

  async markReady(image: ProductImage, ref: ProductImageRef, atIso: string): Promise<boolean> {
    const items = [
      {
        Update: {
          TableName: this.tableName,
          Key: imageKey(image.imageId),
          UpdateExpression: "SET #s = :ready, width = :w, height = :h, renditions = :r, updatedAt = :at",
          ConditionExpression: "#s = :processing",
          ExpressionAttributeNames: { "#s": "status" },
          ExpressionAttributeValues: {
            ":ready": "READY",
            ":processing": "PROCESSING",
            ":w": ref.width,
            ":h": ref.height,
            ":r": ref.renditions,
            ":at": atIso,
          },
        },
      },
      {
        Update: {
          TableName: this.tableName,
          Key: { id: image.productId },
          UpdateExpression: "SET images = list_append(if_not_exists(images, :none), :ref), updatedAt = :at",
          ConditionExpression: "contains(imageSlots, :id)",
          ExpressionAttributeValues: { ":none": [], ":ref": [ref], ":id": image.imageId, ":at": atIso },
        },
      },
    ];
    for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
      const outcome = await this.tryTransact(items);
      if (outcome === "DONE") return true;
      if (outcome === "RECORD") return false;
      // The image lost its place (deleted meanwhile), or the product was written at the same moment.
      if (!(await this.slotsOf(image.productId)).includes(image.imageId)) return false;
    }
    throw new DependencyUnavailableError("database");
  }

  async markRejected(image: ProductImage, reason: string, atIso: string): Promise<boolean> {
    for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
      const slots = await this.slotsOf(image.productId);
      const at = slots.indexOf(image.imageId);
      const outcome = await this.tryTransact([
        {
          Update: {
            TableName: this.tableName,
            Key: imageKey(image.imageId),
            UpdateExpression: "SET #s = :rejected, reason = :reason, updatedAt = :at",
            ConditionExpression: "#s = :processing",
            ExpressionAttributeNames: { "#s": "status" },
            ExpressionAttributeValues: {
              ":rejected": "REJECTED",
              ":processing": "PROCESSING",
              ":reason": reason,
              ":at": atIso,
            },
          },
        },
        ...(at < 0 ? [] : [this.removeAt(image.productId, "imageSlots", at, image.imageId)]),
      ]);
      if (outcome === "DONE") return true;
      if (outcome === "RECORD") return false;
    }
    throw new DependencyUnavailableError("database");
  }

  async remove(image: ProductImage): Promise<boolean> {
    for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
      // The record's status as read now: the delete holds only while it is still that, so an upload that
      // becomes READY meanwhile (its reference just added) makes this read again and take the reference too.
      const current = await this.get(image.imageId);
      if (!current) return false;
      const Item = await this.productItem(image.productId);
      const slots = (Item?.imageSlots ?? []) as string[];
      const refs = (Item?.images ?? []) as ProductImageRef[];
      const slot = slots.indexOf(image.imageId);
      const ref = refs.findIndex((r) => r.imageId === image.imageId);
      const productChanges = [
        ...(slot < 0 ? [] : [{ path: "imageSlots", index: slot, check: "imageSlots[%] = :id" }]),
        ...(ref < 0 ? [] : [{ path: "images", index: ref, check: "images[%].imageId = :id" }]),
      ];
      const outcome = await this.tryTransact([
        {
          Delete: {
            TableName: this.tableName,
            Key: imageKey(image.imageId),
            ConditionExpression: "#s = :status",
            ExpressionAttributeNames: { "#s": "status" },
            ExpressionAttributeValues: { ":status": current.status },
          },
        },
        ...(productChanges.length === 0
          ? []
          : [
              {
                Update: {
                  TableName: this.tableName,
                  Key: { id: image.productId },
                  UpdateExpression: `REMOVE ${productChanges.map((c) => `${c.path}[${c.index}]`).join(", ")}`,
                  ConditionExpression: productChanges
                    .map((c) => c.check.replace("%", String(c.index)))
                    .join(" AND "),
                  ExpressionAttributeValues: { ":id": image.imageId },
                },
              },
            ]),
      ]);
      if (outcome === "DONE") return true;
      // RECORD: its status changed since it was read (or it is gone): read again.
    }
    throw new DependencyUnavailableError("database");
  }

  async reorder(productId: string, order: string[], atIso: string): Promise<Product> {
    for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
      const Item = await this.productItem(productId);
      if (Item?.kind !== "PRODUCT") throw new NotFoundError("Product", productId);
      const refs = (Item.images ?? []) as ProductImageRef[];
      const ids = refs.map((r) => r.imageId);
      const permutation =
        order.length === ids.length &&
        new Set(order).size === order.length &&
        order.every((id) => ids.includes(id));
      if (!permutation) throw new ImageOrderMismatchError(productId, ids);
      if (ids.length === 0) return fromProductItem(Item);
      const reordered = order.map((id) => refs.find((r) => r.imageId === id) as ProductImageRef);
      const same = ids.map((_, i) => `images[${i}].imageId = :id${i}`).join(" AND ");
      try {
        const { Attributes } = await dynamo(() =>
          this.db.send(
            new UpdateCommand({
              TableName: this.tableName,
              Key: { id: productId },
              UpdateExpression: "SET images = :reordered, updatedAt = :at",
              // Still the images read: an upload that became READY meanwhile is not dropped.
              ConditionExpression: `size(images) = :n AND ${same}`,
              ExpressionAttributeValues: {
                ":reordered": reordered,
                ":at": atIso,
                ":n": ids.length,
                ...Object.fromEntries(ids.map((id, i) => [`:id${i}`, id])),
              },
              ReturnValues: "ALL_NEW",
            }),
          ),
        );
        return fromProductItem(Attributes ?? {});
      } catch (error) {
        if (!(error instanceof ConditionalCheckFailedException)) throw error;
      }
    }
    throw new DependencyUnavailableError("database");
  }

  private async slotsOf(productId: string): Promise<string[]> {
    return ((await this.productItem(productId, "imageSlots"))?.imageSlots ?? []) as string[];
  }

  /** The product's item as stored, read consistently (only `projection`'s attributes, when given). */
  private async productItem(productId: string, projection?: string) {
    const { Item } = await dynamo(() =>
      this.db.send(
        new GetCommand({
          TableName: this.tableName,
          Key: { id: productId },
          ConsistentRead: true,
          ...(projection ? { ProjectionExpression: projection } : {}),
        }),
      ),
    );
    return Item;
  }

  /** Takes the id at `index` out of the product's list, on condition it is still there. */
  private removeAt(productId: string, list: "imageSlots", index: number, imageId: string) {
    return {
      Update: {
        TableName: this.tableName,
        Key: { id: productId },
        UpdateExpression: `REMOVE ${list}[${index}]`,
        ConditionExpression: `${list}[${index}] = :id`,
        ExpressionAttributeValues: { ":id": imageId },
      },
    };
  }

  /**
   * Runs a transaction whose first item is the image record's change: DONE, RECORD (the record's condition
   * failed: nothing to do) or PRODUCT (the product's lists changed since they were read: read them again).
   */
  private async tryTransact(items: object[]): Promise<"DONE" | "RECORD" | "PRODUCT"> {
    try {
      await this.transact(items);
      return "DONE";
    } catch (error) {
      if (!(error instanceof TransactionCanceledException)) throw error;
      const [record, ...rest] = (error.CancellationReasons ?? []).map((r) => r.Code);
      if (record === "ConditionalCheckFailed") return "RECORD";
      if (rest.some((code) => code === "ConditionalCheckFailed" || code === "TransactionConflict"))
        return "PRODUCT";
      if (record === "TransactionConflict") return "PRODUCT";
      throw new DependencyUnavailableError("database", { cause: error });
    }
  }

  private transact(items: object[]) {
    return dynamo(() =>
      this.db.send(
        new TransactWriteCommand({
          TransactItems: items as NonNullable<
            ConstructorParameters<typeof TransactWriteCommand>[0]["TransactItems"]
          >,
        }),
      ),
    );
  }
}
