import type { ComponentChildren } from "preact";
import { navigate } from "../router.ts";

/** A real link (it works with a middle click, a new tab, no JavaScript) that navigates in place on a plain click. */
export function Link(props: {
  href: string;
  current?: boolean;
  class?: string;
  children: ComponentChildren;
}) {
  const onClick = (event: MouseEvent) => {
    if (event.defaultPrevented || event.button !== 0) return;
    if (event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    event.preventDefault();
    navigate(props.href);
  };
  return (
    <a
      href={props.href}
      onClick={onClick}
      class={props.class}
      aria-current={props.current ? "page" : undefined}
    >
      {props.children}
    </a>
  );
}
