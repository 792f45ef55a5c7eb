/** The nine items of the Wikipedia capture's "Risks" list (003), as the file spells them. */
export const WIKIPEDIA_RISKS = [
  "Security- Classified information about the company can be lost",
  "Key talent retention",
  "The character of the employee and the quality of the work cannot be assured",
  "KPO is time consuming and cannot provide a quick fix to the company seeking immediate results.",
  "Lack of communication between partners due to legal, language and cultural barriers can lead to complications",
  "Quality of Personnel and Work Cannot Be Guaranteed",
  "Shortage of Skilled Employees",
  "Reduction in Communication due to Language barrier",
  "Inability to protect company's intellect property",
];
