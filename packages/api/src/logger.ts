export type { Logger } from "@meridian/core";
