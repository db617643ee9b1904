import { useEffect, useRef, useState } from "preact/hooks";
import { ApiError } from "../api.ts";
import { POLL } from "../backoff.ts";
import { getImage, requestImageUpload } from "../endpoints.ts";
import { announce } from "../runtime.ts";
import { IMAGE_CONTENT_TYPES, type ProductImage } from "../types.ts";
import { postUpload, UploadRefusedError } from "../upload.ts";
import { StatusBadge } from "./status-badge.tsx";

type Phase =
  | { step: "idle" }
  | { step: "uploading"; file: string; loaded: number; total: number }
  | { step: "processing"; file: string }
  | { step: "done"; file: string; status: "READY" | "REJECTED"; reason?: string }
  | { step: "failed"; message: string };

const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * An admin's image upload for one product: a presigned POST sent with a progress bar, then the image's
 * status polled every second (at most a minute): PROCESSING, then READY (the product is reloaded to show it)
 * or REJECTED with the processor's reason.
 */
export function ImageUploader(props: { productId: string; productName: string; onReady: () => void }) {
  const [phase, setPhase] = useState<Phase>({ step: "idle" });
  const input = useRef<HTMLInputElement>(null);
  const alive = useRef(true);
  useEffect(
    () => () => {
      alive.current = false;
    },
    [],
  );
  const inputId = `image-${props.productId}`;

  const upload = async (event: Event) => {
    event.preventDefault();
    const file = input.current?.files?.[0];
    if (!file) return setPhase({ step: "failed", message: "Choose an image file first." });
    if (!(IMAGE_CONTENT_TYPES as readonly string[]).includes(file.type)) {
      return setPhase({ step: "failed", message: "Choose a JPEG, PNG or WebP image." });
    }
    try {
      setPhase({ step: "uploading", file: file.name, loaded: 0, total: file.size });
      const signed = await requestImageUpload(props.productId, file.type);
      await postUpload(signed.upload, file, (loaded, total) => {
        if (alive.current) setPhase({ step: "uploading", file: file.name, loaded, total });
      });
      setPhase({ step: "processing", file: file.name });
      announce(`${file.name} uploaded, processing`);
      const deadline = Date.now() + POLL.imageGiveUp;
      let image: ProductImage | undefined;
      while (alive.current && Date.now() < deadline) {
        await wait(POLL.image);
        image = await getImage(props.productId, signed.imageId);
        if (image.status !== "PROCESSING") break;
      }
      if (!alive.current) return;
      if (!image || image.status === "PROCESSING") {
        return setPhase({ step: "failed", message: `${file.name} is still processing after a minute.` });
      }
      const done: Phase = { step: "done", file: file.name, status: image.status };
      if (image.reason) done.reason = image.reason;
      setPhase(done);
      announce(`${file.name}: ${image.status}${image.reason ? ` (${image.reason})` : ""}`);
      if (image.status === "READY") props.onReady();
      if (input.current) input.current.value = "";
    } catch (error) {
      if (!alive.current) return;
      const message =
        error instanceof ApiError
          ? error.userMessage
          : error instanceof UploadRefusedError
            ? error.message
            : "The upload failed.";
      setPhase({ step: "failed", message });
    }
  };

  const busy = phase.step === "uploading" || phase.step === "processing";
  return (
    <form class="upload" onSubmit={(e) => void upload(e)}>
      <label for={inputId}>Image for {props.productName}</label>
      <input id={inputId} ref={input} type="file" accept={IMAGE_CONTENT_TYPES.join(",")} disabled={busy} />
      <button type="submit" disabled={busy}>
        Upload image<span class="sr-only"> for {props.productName}</span>
      </button>
      {phase.step === "uploading" ? (
        <progress max={phase.total || 1} value={phase.loaded} aria-label={`Uploading ${phase.file}`} />
      ) : null}
      {phase.step === "processing" ? (
        <p class="upload-status">
          {phase.file}: <StatusBadge status="PROCESSING" />
        </p>
      ) : null}
      {phase.step === "done" ? (
        <p class="upload-status">
          {phase.file}: <StatusBadge status={phase.status} />
          {phase.reason ? ` ${phase.reason}` : ""}
        </p>
      ) : null}
      {phase.step === "failed" ? (
        <p class="state error" role="alert">
          {phase.message}
        </p>
      ) : null}
    </form>
  );
}
