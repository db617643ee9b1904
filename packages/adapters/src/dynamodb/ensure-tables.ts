import {
  CreateTableCommand,
  DescribeTableCommand,
  type DynamoDBClient,
  ResourceInUseException,
  UpdateTimeToLiveCommand,
} from "@aws-sdk/client-dynamodb";
import { createTableInputs, type TableNames, TTL_ATTRIBUTE } from "./tables.ts";

/** Creates the tables that do not exist yet and waits until they are active. Safe to run at every start. */
export async function ensureTables(client: DynamoDBClient, names: TableNames): Promise<void> {
  await Promise.all(
    createTableInputs(names).map(async (input) => {
      try {
        await client.send(new CreateTableCommand(input));
      } catch (error) {
        if (!(error instanceof ResourceInUseException)) throw error;
      }
      for (;;) {
        const { Table } = await client.send(new DescribeTableCommand({ TableName: input.TableName }));
        if (Table?.TableStatus === "ACTIVE") break;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }),
  );
  // The tables that hold idempotency records (see writeIdempotent).
  for (const TableName of [names.epochs, names.orders, names.catalog]) {
    await client
      .send(
        new UpdateTimeToLiveCommand({
          TableName,
          TimeToLiveSpecification: { AttributeName: TTL_ATTRIBUTE, Enabled: true },
        }),
      )
      .catch((error: unknown) => {
        // Enabling TTL twice is refused; that is the state we want.
        if (!(error instanceof Error && /already enabled/i.test(error.message))) throw error;
      });
  }
}
