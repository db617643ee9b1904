import type { ComponentChildren } from "preact";
import { useEffect, useRef } from "preact/hooks";

/**
 * A page's heading and title: `<title>` names the page, and focus moves to its `<h1>` on navigation so a
 * screen reader announces where the user is (the heading is focusable by script only).
 */
export function PageHeading(props: { title: string; children?: ComponentChildren }) {
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    document.title = `${props.title} — Meridian`;
    heading.current?.focus({ preventScroll: true });
  }, [props.title]);
  return (
    <div class="page-head">
      <h1 ref={heading} tabIndex={-1}>
        {props.title}
      </h1>
      {props.children}
    </div>
  );
}
