/** An order's or an image's status as a badge: text first, colour only as an extra. */
export function StatusBadge(props: { status: string }) {
  return <span class={`badge badge-${props.status.toLowerCase()}`}>{props.status}</span>;
}
