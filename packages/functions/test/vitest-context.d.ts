// Mirrors test/global-setup.ts (outside the type-checked folders) so `inject("dynamodbEndpoint")` is typed.
declare module "vitest" {
  export interface ProvidedContext {
    dynamodbEndpoint: string;
  }
}

export {};
