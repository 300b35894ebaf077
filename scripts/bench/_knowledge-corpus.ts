/**
 * The labelled retrieval set of the knowledge bench. Source: written for this bench (public domain, no third-party
 * text). Twenty short documents about everyday matters, each with one identifier (invoice, order, policy numbers,
 * names) and one clause worth asking about, plus filler documents that reuse the identifier formats.
 *
 * Each document has two queries:
 * - `id`: the exact identifier, as a user would paste it;
 * - `para`: a paraphrase of the clause that shares no content word with it (synonyms only), as a user would ask
 *   from memory.
 * A query is answered when a passage of its document is in the top 5.
 */

export interface LabelledDoc {
  name: string;
  text: string;
  idQuery: string;
  paraQuery: string;
}

export const LABELLED_DOCS: LabelledDoc[] = [
  {
    name: 'garage.txt',
    text: 'Garage agreement with Brannock Motors.\n\nInvoice INV-2024-0042 lists the parts ordered for the sedan.\n\nA vehicle repair costs 180 euros per hour of labour, parts extra.',
    idQuery: 'INV-2024-0042',
    paraQuery: 'automobile fix price',
  },
  {
    name: 'lease.txt',
    text: 'Tenancy of the flat on Harrow Lane.\n\nThe landlord is Mrs Odalys Quennell, reference LEASE-77813.\n\nTermination of the lease requires three months of notice in writing.',
    idQuery: 'LEASE-77813',
    paraQuery: 'cancel rent warning',
  },
  {
    name: 'medicine.txt',
    text: 'Leaflet for the allergy tablets, batch LOT-55A-9921.\n\nThe usual dosage for a child is half a pill in the morning.',
    idQuery: 'LOT-55A-9921',
    paraQuery: 'kid medication dose',
  },
  {
    name: 'flight.txt',
    text: 'Booking confirmation, locator QX7-PLM-204.\n\nThe plane to Lisbon leaves at 06:40; the trip back is on Sunday evening.',
    idQuery: 'QX7-PLM-204',
    paraQuery: 'aircraft journey departure',
  },
  {
    name: 'hotel.txt',
    text: 'Reservation HTL-2024-88172 at the Quayside Inn.\n\nLodging includes breakfast; a refund is possible until two days before arrival.',
    idQuery: 'HTL-2024-88172',
    paraQuery: 'accommodation reimburse',
  },
  {
    name: 'garden.txt',
    text: 'Allotment plot 14B, member number GRD-3391.\n\nTomatoes need water every evening in July and a stake once they flower.',
    idQuery: 'GRD-3391',
    paraQuery: 'irrigate tomato',
  },
  {
    name: 'dog.txt',
    text: 'Vaccination card of Biscuit, chip 985112004471932.\n\nThe puppy eats three small meals a day until six months of age.',
    idQuery: '985112004471932',
    paraQuery: 'hound feeding diet',
  },
  {
    name: 'battery.txt',
    text: 'Power bank receipt, serial PB-20K-00917.\n\nThe warranty covers the accumulator for two years if it was charged with the supplied cable.',
    idQuery: 'PB-20K-00917',
    paraQuery: 'guarantee cell recharge',
  },
  {
    name: 'holiday.txt',
    text: 'Staff handbook of Verrow & Daughters, policy HR-2024-12.\n\nEvery employee gets twenty-six days of paid vacation per year.',
    idQuery: 'HR-2024-12',
    paraQuery: 'worker holiday leave',
  },
  {
    name: 'salary.txt',
    text: 'Payslip for March, personnel number EMP-4410-X.\n\nThe wage is paid on the last working day of each month.',
    idQuery: 'EMP-4410-X',
    paraQuery: 'salary payment',
  },
  {
    name: 'meeting.txt',
    text: 'Minutes of the residents association, meeting MTG-0815.\n\nThe gathering will commence at seven in the community room.',
    idQuery: 'MTG-0815',
    paraQuery: 'conference start',
  },
  {
    name: 'car-sale.txt',
    text: 'Bill of sale for the hatchback, VIN WVWZZZ1KZ8W123456.\n\nThe buyer Tobias Ferrandez will purchase it for 4200 euros.',
    idQuery: 'WVWZZZ1KZ8W123456',
    paraQuery: 'acquire vehicle',
  },
  {
    name: 'tax.txt',
    text: 'Letter from the tax office, file TX-2023-554120.\n\nThe levy is due by the end of May; a late fine of five percent applies.',
    idQuery: 'TX-2023-554120',
    paraQuery: 'duty overdue penalty',
  },
  {
    name: 'bakery.txt',
    text: 'Recipe card number RC-19 from the village bakery.\n\nBake the loaf for forty minutes in a hot oven until the crust is dark.',
    idQuery: 'RC-19',
    paraQuery: 'bread baking',
  },
  {
    name: 'boat.txt',
    text: 'Mooring permit MP-6620-K for the harbour.\n\nThe vessel must leave the berth when a gale warning is issued.',
    idQuery: 'MP-6620-K',
    paraQuery: 'boat storm notice',
  },
  {
    name: 'bridge.txt',
    text: 'Inspection report BR-1907 of the old viaduct.\n\nThe span needs new bearings within five years.',
    idQuery: 'BR-1907',
    paraQuery: 'bridge maintenance',
  },
  {
    name: 'hiking.txt',
    text: 'Hut booking HK-44-0192 in the Alps.\n\nThe summit trail is closed after heavy rain; follow the brook path instead.',
    idQuery: 'HK-44-0192',
    paraQuery: 'peak closed stream',
  },
  {
    name: 'cat.txt',
    text: 'Adoption papers for Marzipan, shelter id CAT-7731-Q.\n\nThe kitten needs wet food twice a day and fresh water.',
    idQuery: 'CAT-7731-Q',
    paraQuery: 'feline meal',
  },
  {
    name: 'doctor.txt',
    text: 'Appointment card, patient number PT-00288431.\n\nDr Ilse Varnhagen, the physician on duty, sees patients on Tuesdays.',
    idQuery: 'PT-00288431',
    paraQuery: 'doctor day',
  },
  {
    name: 'return.txt',
    text: 'Online order ORD-5590-1123 of a large rug.\n\nA return is free within thirty days; the refund reaches the card in a week.',
    idQuery: 'ORD-5590-1123',
    paraQuery: 'reimburse purchase',
  },
];

const FILLER_WORDS =
  'report note list item paper folder summary draft version page section table figure chart record entry detail remark comment update review check plan schedule week month year morning evening office room desk shelf box label color size weight shape'.split(
    ' ',
  );

/**
 * Filler documents: sentences of common office words and identifiers of the same formats as the labelled ones
 * (other numbers), so neither half finds an answer by the format alone.
 */
export function fillerDocs(count: number, random: () => number): { name: string; text: string }[] {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)] as T;
  const digits = (n: number) => Array.from({ length: n }, () => Math.floor(random() * 10)).join('');
  const ids = [
    () => `INV-2024-${digits(4)}`,
    () => `ORD-${digits(4)}-${digits(4)}`,
    () => `HR-2024-${digits(2)}`,
    () => `TX-2023-${digits(6)}`,
    () => `PT-${digits(8)}`,
  ];
  return Array.from({ length: count }, (_, d) => {
    const paragraphs = Array.from({ length: 3 }, () =>
      Array.from({ length: 3 }, () => {
        const words = Array.from({ length: 8 }, () => pick(FILLER_WORDS));
        if (random() < 0.3) words.push(pick(ids)());
        const s = words.join(' ');
        return `${s[0]?.toUpperCase()}${s.slice(1)}.`;
      }).join(' '),
    );
    return { name: `filler-${d}.txt`, text: paragraphs.join('\n\n') };
  });
}
