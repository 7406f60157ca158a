import { useEffect, useState } from 'react';

type Render = (source: string) => string;
let loaded: Promise<Render> | null = null;

/** The renderer (markdown-it, DOMPurify, highlight.js) in a chunk of its own, loaded once. */
function loadRenderer(): Promise<Render> {
  loaded ??= import('./markdownRender').then((m) => m.renderMarkdown);
  return loaded;
}

/**
 * Markdown from a question (prompt, hint, solution), sanitised (markdownRender.ts). The plain text shows
 * until the renderer has loaded.
 */
export function Markdown({ source, className, testId }: { source: string; className?: string; testId?: string }) {
  const [html, setHtml] = useState<string | null>(null);
  useEffect(() => {
    let live = true;
    loadRenderer()
      .then((render) => live && setHtml(render(source)))
      .catch(() => undefined); // stays plain text
    return () => {
      live = false;
    };
  }, [source]);
  const cls = `markdown${className ? ` ${className}` : ''}`;
  if (html === null)
    return <div className={`${cls} markdown-plain`} data-testid={testId} data-rendered="false">{source}</div>;
  // Sanitised by DOMPurify in renderMarkdown; raw HTML in the source was never rendered to begin with.
  return <div className={cls} data-testid={testId} data-rendered="true" dangerouslySetInnerHTML={{ __html: html }} />;
}
