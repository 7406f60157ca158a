/**
 * Question prompts, hints and solutions are Markdown. markdown-it renders them with raw HTML off (a tag
 * in the text shows as text) and its own link check (no javascript: or data: links); DOMPurify then
 * sanitises the result all the same, so nothing from a question bank can run in the page. Code blocks
 * are highlighted by highlight.js (core plus the languages the runner knows). This module is loaded
 * on demand: until it arrives the text shows as it is.
 */
import MarkdownIt from 'markdown-it';
import DOMPurify from 'dompurify';
import hljs from 'highlight.js/lib/core';
import python from 'highlight.js/lib/languages/python';
import javascript from 'highlight.js/lib/languages/javascript';
import typescript from 'highlight.js/lib/languages/typescript';
import java from 'highlight.js/lib/languages/java';
import cpp from 'highlight.js/lib/languages/cpp';
import sql from 'highlight.js/lib/languages/sql';
import go from 'highlight.js/lib/languages/go';

hljs.registerLanguage('python', python);
hljs.registerLanguage('javascript', javascript);
hljs.registerLanguage('typescript', typescript);
hljs.registerLanguage('java', java);
hljs.registerLanguage('cpp', cpp);
hljs.registerLanguage('sql', sql);
hljs.registerLanguage('go', go);

function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

const md = new MarkdownIt({
  html: false,
  linkify: true,
  highlight: (code, lang) => {
    const language = lang && hljs.getLanguage(lang) ? lang : null;
    // highlight.js escapes the code itself; an unknown language is escaped here.
    const body = language ? hljs.highlight(code, { language, ignoreIllegals: true }).value : escapeHtml(code);
    return `<pre class="hljs"><code${language ? ` class="language-${language}"` : ''}>${body}</code></pre>`;
  },
});

// Links leave the room in a new tab, never replacing the call.
DOMPurify.addHook('afterSanitizeAttributes', (node) => {
  if (node.tagName === 'A') {
    node.setAttribute('target', '_blank');
    node.setAttribute('rel', 'noopener noreferrer');
  }
});

export function renderMarkdown(source: string): string {
  return DOMPurify.sanitize(md.render(source), { USE_PROFILES: { html: true } });
}
