import type { Construct } from "constructs";
import { AlbFrontDoor } from "./alb.ts";
import type { FrontDoor, FrontDoorProps } from "./front-door.ts";
import { HttpApiFrontDoor } from "./http-api.ts";
import { RestApiFrontDoor } from "./rest-api.ts";

export {
  answersCorsItself,
  type FrontDoor,
  type FrontDoorProps,
  type LatencyStatistic,
} from "./front-door.ts";
export { RateLimitWebAcl, type RateLimitWebAclProps, WAF_RULES } from "./waf.ts";
export { AlbFrontDoor, HttpApiFrontDoor, RestApiFrontDoor };

/** The front door the stage config asks for, routing every request to `props.handler`. */
export function createFrontDoor(scope: Construct, id: string, props: FrontDoorProps): FrontDoor & Construct {
  switch (props.stage.frontDoor) {
    case "http-api":
      return new HttpApiFrontDoor(scope, id, props);
    case "rest-api":
      return new RestApiFrontDoor(scope, id, props);
    case "alb":
      return new AlbFrontDoor(scope, id, props);
  }
}
