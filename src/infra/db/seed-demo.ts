/**
 * Demo data: a realistic morning's pending invoices for each configured bank. Names are Chinese, some need the
 * CP950 extension characters (恒 裏 碁) and one (堃) is not encodable in Big5, so validation has something to
 * show. ID numbers carry valid checksums; accounts and amounts are plausible. Deterministic for a given date.
 */
import type { Kysely } from 'kysely';
import type { Database, NewInvoice } from './schema.ts';

const PEOPLE: Array<[name: string, id: string]> = [
  ['王小明', 'L160181599'],
  ['陳恒毅', 'B101661312'],
  ['林美玲', 'T209139092'],
  ['黃裏安', 'U203082460'],
  ['張志豪', 'E194821990'],
  ['李碁峰', 'W151819090'],
  ['吳淑芬', 'G286579758'],
  ['劉建宏', 'K123194872'],
  ['蔡佳穎', 'L249118623'],
  ['楊宗翰', 'L176018954'],
  ['許雅婷', 'L297971145'],
  ['鄭家豪', 'R104974659'],
  ['謝怡君', 'A252917033'],
  ['洪俊傑', 'K136671271'],
  ['郭雅惠', 'N226846564'],
  ['邱志明', 'H112233071'],
  ['曾國華', 'U144026859'],
  ['廖淑娟', 'V228907861'],
  ['賴冠宇', 'N261760310'],
  ['周美華', 'G221590106'],
];
const COMPANIES: Array<[name: string, ubn: string]> = [
  ['大同瓦斯行', '04595257'],
  ['永豐餐飲股份有限公司', '12345675'],
  ['台北恒通物流有限公司', '22099131'],
];
const COUNTERPARTY_BANKS = [
  '004',
  '005',
  '006',
  '007',
  '008',
  '009',
  '011',
  '012',
  '013',
  '017',
  '803',
  '808',
  '812',
  '822',
];

/** One person per bank whose name cannot be written in Big5: validation sets the invoice aside. */
const UNENCODABLE: [string, string] = ['王堃', 'V136338752'];

export interface SeedOptions {
  /** Due date (Asia/Taipei, YYYY-MM-DD) of the generated invoices. */
  dueDate: string;
  bankCodes: string[];
  perBank?: number;
  /**
   * Adds, for ctbc, the one invoice whose name Big5 cannot hold (default true for the 8-a-bank demo). Off when a
   * volume is asked for (`--invoices N`): then every one of the N invoices is payable.
   */
  unencodable?: boolean;
}

export function demoInvoices(options: SeedOptions): NewInvoice[] {
  const perBank = options.perBank ?? 8;
  const out: NewInvoice[] = [];
  let n = 0;
  for (const [b, bankCode] of options.bankCodes.entries()) {
    for (let i = 0; i < perBank; i++) {
      n++;
      const useCompany = i === perBank - 1;
      const unencodable = (options.unencodable ?? true) && bankCode === 'ctbc' && i === 3;
      const [name, id] = unencodable
        ? UNENCODABLE
        : useCompany
          ? COMPANIES[(b + i) % COMPANIES.length]!
          : PEOPLE[(b * perBank + i) % PEOPLE.length]!;
      const account = String(100000000000 + ((n * 7919 * 104729) % 899999999999)).slice(0, 12);
      const amount = (((n * 2654435761) % 4_000_000) + 50_000) * (bankCode === 'esun' ? 1 : 1);
      out.push({
        invoice_number: `INV-${options.dueDate.replaceAll('-', '')}-${bankCode.toUpperCase()}-${String(i + 1).padStart(3, '0')}`,
        bank_code: bankCode,
        direction: i % 3 === 0 ? 'debit' : 'credit',
        counterparty_name: name,
        counterparty_id_number: id,
        account_bank_code: COUNTERPARTY_BANKS[n % COUNTERPARTY_BANKS.length]!,
        account_branch_code: String(1000 + ((n * 37) % 9000)).padStart(4, '0'),
        account_number: account,
        // whole dollars, so the same invoices also fit tch_ach banks
        amount_cents: Math.round(amount / 100) * 100,
        due_date: options.dueDate,
        description: i % 3 === 0 ? `瓦斯費 ${options.dueDate.slice(0, 7)}` : `貨款 ${options.dueDate.slice(0, 7)}`,
        customer_reference: `C${String(n).padStart(6, '0')}`,
        cno: i % 3 === 0 ? `C${String(n).padStart(6, '0')}` : null,
        txid: null,
        memo: null,
      });
    }
  }
  return out;
}

/** Inserts demo invoices when the table is empty; returns how many were inserted (0 when data exists). */
export async function seedDemoIfEmpty(db: Kysely<Database>, options: SeedOptions): Promise<number> {
  const existing = await db
    .selectFrom('invoices')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirst();
  if (Number(existing?.n ?? 0) > 0) return 0;
  return seedDemo(db, options);
}

// PostgreSQL takes at most 65,535 parameters a statement: month-end volumes go in slices
const INSERT_SLICE = 1000;

export async function seedDemo(db: Kysely<Database>, options: SeedOptions): Promise<number> {
  const rows = demoInvoices(options);
  let inserted = 0;
  for (let from = 0; from < rows.length; from += INSERT_SLICE) {
    const done = await db
      .insertInto('invoices')
      .values(rows.slice(from, from + INSERT_SLICE))
      .onConflict((oc) => oc.column('invoice_number').doNothing())
      .returning('id')
      .execute();
    inserted += done.length;
  }
  return inserted;
}
