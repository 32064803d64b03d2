// A QR scanner from the camera, where the browser has BarcodeDetector (Chromium, Android): every client that
// reads a paper's QR code uses it, beside a typed fallback of its own.
import { useEffect, useRef } from "preact/hooks";
import { Button } from "./kit";

interface Detector {
  detect(source: HTMLVideoElement): Promise<{ rawValue: string }[]>;
}
declare global {
  interface Window {
    BarcodeDetector?: new (options: { formats: string[] }) => Detector;
  }
}

/** The browser can scan QR codes from a camera. */
export function canScan(): boolean {
  return typeof window !== "undefined" && "BarcodeDetector" in window && !!navigator.mediaDevices;
}

/** The camera's picture, looked at for QR codes until ``onFound`` takes one (it returns true) or the reader stops. */
export function QrScanner({ label, stopLabel, onFound, onStop }: { label: string; stopLabel: string; onFound: (raw: string) => boolean; onStop: () => void }) {
  const video = useRef<HTMLVideoElement>(null);
  useEffect(() => {
    let stream: MediaStream | null = null;
    let timer = 0;
    const detector = new window.BarcodeDetector!({ formats: ["qr_code"] });
    void navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" } }).then((s) => {
      stream = s;
      if (!video.current) return;
      video.current.srcObject = s;
      void video.current.play();
      timer = window.setInterval(async () => {
        if (!video.current) return;
        for (const found of await detector.detect(video.current).catch(() => [])) {
          if (onFound(found.rawValue)) return clearInterval(timer);
        }
      }, 400);
    }, onStop);
    return () => {
      clearInterval(timer);
      stream?.getTracks().forEach((track) => track.stop());
    };
  }, []);
  return (
    <div>
      <video ref={video} class="scanner" muted playsInline aria-label={label} />
      <Button kind="secondary" onClick={onStop}>
        {stopLabel}
      </Button>
    </div>
  );
}
