/** The pre token generation trigger's service name in logs and traces (`POWERTOOLS_SERVICE_NAME`). */
export const PRE_TOKEN_SERVICE = "pre-token";
