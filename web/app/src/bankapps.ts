// Bank-app deep links for a VietQR transfer, by vietqr.io's public convention (https://www.vietqr.io/deeplink):
//   https://dl.vietqr.io/pay?app={appId}&am={amount}&tn={content}&ba={account}@{bank code}&bn={account name}&url={return}
// `ba` and `url` keep their "@" and "https://" as they are; the other values are query-encoded.

/** The receiving bank's NAPAS short code (lower case, as `ba` wants it) by its BIN. */
const BANK_CODES: Record<string, string> = {
  "970415": "icb", // VietinBank
  "970436": "vcb", // Vietcombank
  "970418": "bidv",
  "970422": "mb",
  "970416": "acb",
  "970448": "ocb",
};

/** The apps vietqr.io's changelog lists as filling the transfer in from the link (its "autofill"). */
export const BANK_APPS: readonly { app: string; name: string }[] = [
  { app: "icb", name: "VietinBank iPay" },
  { app: "bidv", name: "BIDV SmartBanking" },
  { app: "mb", name: "MB Bank" },
  { app: "acb", name: "ACB ONE" },
  { app: "ocb", name: "OCB OMNI" },
];

/** The transfer a VietQR code asks for, as the API's VietQrOut carries it. */
export interface Transfer {
  bank_bin: string;
  account_number: string;
  account_name: string;
  amount: number;
  reference: string;
}

/** One deep link per supporting app, or none when the receiving bank's code is not known here. */
export function bankAppLinks(transfer: Transfer, returnUrl: string): { name: string; href: string }[] {
  const bank = BANK_CODES[transfer.bank_bin];
  if (!bank) return [];
  const query = (app: string) =>
    [
      `app=${encodeURIComponent(app)}`,
      `am=${Math.round(transfer.amount)}`,
      `tn=${encodeURIComponent(transfer.reference)}`,
      `ba=${encodeURIComponent(transfer.account_number)}@${bank}`,
      `bn=${encodeURIComponent(transfer.account_name)}`,
      `url=${returnUrl}`,
    ].join("&");
  return BANK_APPS.map(({ app, name }) => ({ name, href: `https://dl.vietqr.io/pay?${query(app)}` }));
}
